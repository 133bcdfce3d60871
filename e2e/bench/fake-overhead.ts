import { Agent } from "node:http";
import { readdir, readFile } from "node:fs/promises";
import type { FakeProvider } from "@darkbloom/testing";
import path from "node:path";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import { startFakeOpenAiUpstream } from "../testbed/fakes/fake-openai-upstream.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { startCoordinator, type RunningCoordinator } from "../testbed/testbed.js";
import { markdownTable } from "../testbed/timing/markdown.js";
import { pinProcess, pinningLayout } from "./cpu-pinning.js";
import { streamOnce, type StreamSample } from "./raw-stream.js";
import { coordinatorRelay, rawEcho, type RelayOptions } from "./relay-throughput.js";

export interface FakeOverheadOptions {
  levels: number[];
  /** Tokens (chunks) per answer. */
  tokens: number;
  /**
   * Milliseconds before each token at the fake providers and the direct upstream alike (0: the
   * whole answer at once). Paced, N streams are N answers being generated at once, as on a real
   * network, rather than N clients asking back to back as fast as the coordinator answers.
   */
  paceMs?: number;
  /** Requests per level and path: max(this, 6 × concurrency), cut at `seconds`. */
  minRequests: number;
  seconds: number;
  providers: number;
  relay: RelayOptions | undefined;
  /** Extra coordinator environment (e.g. NODE_OPTIONS=--cpu-prof). */
  coordinatorEnv?: Record<string, string>;
  /**
   * Also measure the floor: the same requests through a bare Node.js proxy process in front of
   * the direct upstream (bare-proxy-main.ts), i.e. what any Node gateway adds on this machine.
   */
  floor?: boolean;
  /**
   * The coordinator on CPUs of its own, this process (client, fake providers, direct upstream,
   * floor proxy) and Postgres on CPU 0 (cpu-pinning.ts).
   */
  pin?: boolean;
}

interface Run {
  samples: StreamSample[];
  wallS: number;
}

/** Closed loop: `concurrency` clients each sending the next request when the last one ended. */
async function closedLoop(
  baseUrl: string,
  key: string,
  concurrency: number,
  requests: number,
  seconds: number,
  tokens: number,
): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, noDelay: true });
  const url = new URL(`${baseUrl}/chat/completions`);
  const body = JSON.stringify({
    model: TEST_MODEL_ID,
    messages: [{ role: "user", content: "Say something short." }],
    max_tokens: tokens,
    stream: true,
  });
  const samples: StreamSample[] = [];
  // Each client's connection is opened first, unmeasured: a burst of new connections stalls some
  // of them (the baseline's p99 alone reached ~250 ms), and keep-alive is the steady state.
  await Promise.all(
    Array.from({ length: concurrency }, () => streamOnce(agent, url, key, body, "tok0")),
  );
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let issued = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (issued < requests && performance.now() < deadline) {
          issued++;
          samples.push(await streamOnce(agent, url, key, body, "tok0"));
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { samples, wallS: (performance.now() - t0) / 1000 };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const ttfts = (r: Run): number[] =>
  r.samples
    .filter((s) => s.ok)
    .map((s) => s.ttftMs)
    .sort((a, b) => a - b);

/**
 * CPU seconds of a process (user + system; `selfSystem`: the kernel's part) and, separately, of
 * its descendants (Postgres).
 */
async function treeCpu(
  rootPid: number,
): Promise<{ self: number; selfSystem: number; children: number }> {
  const stats = new Map<number, { ppid: number; cpu: number; system: number }>();
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // after the command: state ppid ... utime(11) stime(12) cutime(13) cstime(14)
      const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      stats.set(Number(name), {
        ppid: Number(f[1]),
        cpu: ticks / 100,
        system: (Number(f[12]) + Number(f[14])) / 100,
      });
    } catch {
      // exited meanwhile
    }
  }
  const self = stats.get(rootPid)?.cpu ?? 0;
  const selfSystem = stats.get(rootPid)?.system ?? 0;
  let children = 0;
  const tree = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, s] of stats) {
      if (!tree.has(pid) && tree.has(s.ppid)) {
        tree.add(pid);
        children += s.cpu;
        grew = true;
      }
    }
  }
  return { self, selfSystem, children };
}

const f1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : "–");

/**
 * Coordinator overhead with instant fake providers: for each concurrency, the same streamed
 * requests go straight to a fake OpenAI upstream (the baseline) and through the real coordinator
 * (auth, admission, hold, routing, sealing, relay, settlement) to fake providers on real sockets;
 * added = coordinator − direct. CPU is the coordinator process's own (Postgres apart).
 */
export async function fakeOverhead(o: FakeOverheadOptions): Promise<string> {
  const pieces = Array.from({ length: o.tokens }, (_, i) => `tok${i} `);
  const layout = o.pin ? pinningLayout() : undefined;
  // before the coordinator starts: it, and the Postgres it starts, inherit CPU 0
  if (layout) await pinProcess(process.pid, layout.load);
  const coordinator: RunningCoordinator = await startCoordinator({
    LOG_LEVEL: "error",
    // One client address opens up to 256 connections at once: the per-address cap on
    // unauthenticated connections (64) would refuse the excess with 429, as behind a proxy.
    DARKBLOOM_MAX_UNAUTHENTICATED_CONNECTIONS_PER_ADDRESS: "0",
    ...o.coordinatorEnv,
  });
  if (layout) await pinProcess(coordinator.process.child.pid ?? 0, layout.measured);
  let fleet: FakeProvider[] = [];
  const paceMs = o.paceMs ?? 0;
  const direct = await startFakeOpenAiUpstream(pieces, paceMs);
  const rows: Array<Record<string, string | number>> = [];
  let proxy: Spawned | undefined;
  try {
    let proxyUrl = "";
    if (o.floor) {
      proxy = spawnTs(path.join(REPO_ROOT, "e2e/bench/bare-proxy-main.ts"), [direct.url], {});
      const [, url] = (await proxy.waitFor(/listening on (http:\/\/\S+)/, 30_000)) as unknown as [
        string,
        string,
      ];
      proxyUrl = `${url}/v1`;
      await closedLoop(proxyUrl, "direct", 16, 2000, 20, o.tokens);
    }
    // Heartbeating: the coordinator sits idle while the baseline and the floor run (a minute
    // and more when paced), longer than it waits for a silent provider.
    fleet = await startFakeFleet(
      coordinator.url,
      o.providers,
      [TEST_MODEL_ID],
      () => ({ pieces, ...(paceMs > 0 ? { pieceDelayMs: paceMs } : {}) }),
      { heartbeats: true },
    );
    const pid = coordinator.process.child.pid ?? 0;
    const via = `${coordinator.url}/v1`;
    // Warm-up (JIT, pools, caches) on both paths; not measured.
    await closedLoop(direct.url, "direct", 16, 2000, 20, o.tokens);
    await closedLoop(via, coordinator.apiKey, 16, 2000, 20, o.tokens);
    for (const c of o.levels) {
      const n = Math.max(o.minRequests, 6 * c);
      const d = await closedLoop(direct.url, "direct", c, n, o.seconds, o.tokens);
      const floor = proxy
        ? ttfts(await closedLoop(proxyUrl, "direct", c, n, o.seconds, o.tokens))
        : undefined;
      // Unmeasured, at this level's concurrency: after the 16-stream warm-up the JIT was still
      // compiling through the first seconds at 64 streams (~15% of the coordinator's CPU in a
      // perf profile of that window, ~1-3% once settled), which a long-running coordinator pays
      // once; the same number of requests again measured up to 25% more per core.
      await closedLoop(via, coordinator.apiKey, c, Math.max(1000, 4 * c), o.seconds, o.tokens);
      const cpu0 = await treeCpu(pid);
      const v = await closedLoop(via, coordinator.apiKey, c, n, o.seconds, o.tokens);
      const cpu1 = await treeCpu(pid);
      const cpu = cpu1.self - cpu0.self;
      const pg = cpu1.children - cpu0.children;
      const kernel = cpu1.selfSystem - cpu0.selfSystem;
      const dt = ttfts(d);
      const vt = ttfts(v);
      const ok = vt.length;
      rows.push({
        streams: c,
        "requests ok/sent": `${ok}/${v.samples.length}`,
        "TTFT p50 direct / coord ms": `${f1(percentile(dt, 50))} / ${f1(percentile(vt, 50))}`,
        "added TTFT p50 ms": f1(percentile(vt, 50) - percentile(dt, 50)),
        "added TTFT p99 ms": f1(percentile(vt, 99) - percentile(dt, 99)),
        ...(floor
          ? {
              "floor: bare Node proxy added p50 / p99 ms": `${f1(percentile(floor, 50) - percentile(dt, 50))} / ${f1(percentile(floor, 99) - percentile(dt, 99))}`,
            }
          : {}),
        "req/s direct / coord": `${Math.round(dt.length / d.wallS)} / ${Math.round(ok / v.wallS)}`,
        "coord CPU s (+ Postgres)": `${cpu.toFixed(2)} (+${pg.toFixed(2)})`,
        "coord CPU in kernel": `${Math.round((100 * kernel) / Math.max(cpu, 0.01))}%`,
        "req/s per coord core": Math.round(ok / Math.max(cpu, 0.01)),
        "req/s per core incl. Postgres": Math.round(ok / Math.max(cpu + pg, 0.01)),
      });
    }
  } finally {
    await Promise.all(fleet.map((p) => p.close()));
    await proxy?.stop();
    await direct.close();
    await coordinator.stop();
  }
  let out =
    `Coordinator overhead: ${o.tokens}-token streams, ${o.providers} ` +
    (paceMs > 0 ? `fake providers pacing a token every ${paceMs} ms` : "instant fake providers") +
    "; " +
    `direct = fake OpenAI upstream on loopback, same client (raw HTTP, keep-alive); the ` +
    `coordinator's per-address cap on unauthenticated connections is off (one client address)` +
    (layout
      ? `; the coordinator pinned to CPU ${layout.measured}, the client, fake providers and Postgres to CPU ${layout.load}`
      : "; all processes share every CPU") +
    `\n\n` +
    markdownTable(rows);
  if (o.relay) {
    const relay = await coordinatorRelay(o.relay);
    const echo = await rawEcho(o.relay);
    const ratio = Number(relay["chunks per CPU-s"]) / Number(echo["chunks per CPU-s"]);
    out +=
      `\nRelay: ${o.relay.streams} streams × ${o.relay.rounds} requests × ${o.relay.chunksPerRequest} chunks of ${o.relay.chunkBytes} B (encryption on)\n\n` +
      markdownTable([relay, echo]) +
      `\nrelay / raw echo, chunks per CPU-s: ${ratio.toFixed(2)}\n`;
  }
  return out;
}
