// Forwarding cost between replicas: added time to first token of a request whose provider is on
// another replica, and how long a heartbeat takes to reach another replica's registry.
import { performance } from "node:perf_hooks";
import { SlotState } from "@darkbloom/proto";
import type { FakeProvider } from "@darkbloom/testing";
import OpenAI from "openai";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import { startReplicas } from "../testbed/replicas.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { markdownTable } from "../testbed/timing/markdown.js";
import { cpuSeconds } from "./bench-args.js";

export interface ForwardingOptions {
  concurrencies: number[];
  /** Streams per concurrency level = max(minRequests, 4 × concurrency). */
  minRequests: number;
  /** Heartbeats measured for the propagation delay. */
  heartbeats: number;
  /** Extra environment of both replicas (credit leases, a CPU-profile preload). */
  replicaEnv?: Record<string, string>;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Client-side time to first content of `n` streams, `concurrency` at a time. */
async function ttfts(client: OpenAI, concurrency: number, n: number): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < n) {
      const t0 = performance.now();
      let first = 0;
      const stream = await client.chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 4,
        stream: true,
      });
      for await (const c of stream)
        if (!first && c.choices[0]?.delta.content) first = performance.now();
      out.push(first - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

async function forwardedVsLocal(o: ForwardingOptions): Promise<string> {
  const net = await startReplicas(2, {
    users: 1,
    creditMicroUsd: 10_000_000_000n,
    env: { LOG_LEVEL: "error", ...o.replicaEnv },
  });
  const fleet: FakeProvider[] = [];
  try {
    const [a, b] = net.coordinators;
    const user = net.users[0];
    if (!a || !b || !user) throw new Error("replicas did not start");
    const client = new OpenAI({ baseURL: `${a.url}/v1`, apiKey: user.apiKey, maxRetries: 0 });
    const providersOnA = async (want: number): Promise<void> => {
      for (let i = 0; i < 400; i++) {
        const res = await fetch(`${a.url}/v1/models`, {
          headers: { authorization: `Bearer ${user.apiKey}` },
        });
        const body = (await res.json()) as { data: { id: string; providers?: number }[] };
        if ((body.data.find((m) => m.id === TEST_MODEL_ID)?.providers ?? 0) === want) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`A never saw ${want} providers`);
    };
    // Both replicas' CPU seconds (from /proc): unlike latency on a shared machine, the CPU a
    // forwarded request adds does not move with other processes' load.
    const replicaCpu = async (): Promise<[number, number]> => [
      await cpuSeconds(a.process.child.pid ?? 0),
      await cpuSeconds(b.process.child.pid ?? 0),
    ];
    const cpuMs = new Map<string, [number, number]>();
    // Requests A's router queued (no provider had room in its view): forwarded requests see
    // remote providers through presence, so a stale view shows up here as queueing.
    const queuedOnA = async (): Promise<number> => {
      const text = await (await fetch(`${a.metricsUrl}/metrics`)).text();
      return Number(
        /^darkbloom_routing_decisions_total\{outcome="queued"\} (\d+)/m.exec(text)?.[1] ?? 0,
      );
    };
    const queued = new Map<string, number>();
    const measure = async (where: string, path: string): Promise<Map<number, number[]>> => {
      fleet.push(...(await startFakeFleet(where, 8, [TEST_MODEL_ID])));
      await providersOnA(8);
      await ttfts(client, 4, 16); // warm-up (connections, JIT)
      const byLevel = new Map<number, number[]>();
      for (const c of o.concurrencies) {
        const q0 = await queuedOnA();
        const [a0, b0] = await replicaCpu();
        const n = Math.max(o.minRequests, 4 * c);
        byLevel.set(c, await ttfts(client, c, n));
        const [a1, b1] = await replicaCpu();
        queued.set(`${path}:${c}`, (await queuedOnA()) - q0);
        cpuMs.set(`${path}:${c}`, [((a1 - a0) * 1000) / n, ((b1 - b0) * 1000) / n]);
      }
      await Promise.all(fleet.splice(0).map((f) => f.close()));
      await providersOnA(0);
      return byLevel;
    };
    const local = await measure(a.url, "local");
    const forwarded = await measure(b.url, "forwarded");
    const rows = o.concurrencies.map((c) => {
      const l = local.get(c) ?? [];
      const f = forwarded.get(c) ?? [];
      const [al, bl] = cpuMs.get(`local:${c}`) ?? [NaN, NaN];
      const [af, bf] = cpuMs.get(`forwarded:${c}`) ?? [NaN, NaN];
      const cl = al + bl;
      const cf = af + bf;
      return {
        streams: c,
        requests: f.length,
        "TTFT p50 local / forwarded ms": `${pct(l, 50).toFixed(2)} / ${pct(f, 50).toFixed(2)}`,
        "added p50 ms": (pct(f, 50) - pct(l, 50)).toFixed(2),
        "TTFT p99 local / forwarded ms": `${pct(l, 99).toFixed(2)} / ${pct(f, 99).toFixed(2)}`,
        "added p99 ms": (pct(f, 99) - pct(l, 99)).toFixed(2),
        "A+B CPU ms/request local / forwarded": `${cl.toFixed(2)} / ${cf.toFixed(2)}`,
        "added CPU ms/request": (cf - cl).toFixed(2),
        "forwarded: A / B CPU ms/request": `${af.toFixed(2)} / ${bf.toFixed(2)}`,
        "queued on A local / forwarded": `${queued.get(`local:${c}`)} / ${queued.get(`forwarded:${c}`)}`,
      };
    });
    const env = Object.keys(o.replicaEnv ?? {}).filter((k) => k.startsWith("DARKBLOOM_"));
    return `Forwarding: request on replica A, 8 instant fake providers on A (local) or on B (forwarded)${
      env.length ? ` (${env.map((k) => `${k}=${o.replicaEnv?.[k]}`).join(", ")})` : ""
    }; A pid ${a.process.child.pid}, B pid ${b.process.child.pid}\n\n${markdownTable(rows)}`;
  } finally {
    await Promise.all(fleet.map((f) => f.close()));
    await net.stop();
  }
}

/** A heartbeat sent by a provider on replica B → visible in replica A's capacity figures. */
async function propagation(o: ForwardingOptions): Promise<string> {
  const net = await startReplicas(2, { users: 1, env: { LOG_LEVEL: "error" } });
  const fleet: FakeProvider[] = [];
  try {
    const [a, b] = net.coordinators;
    const user = net.users[0];
    if (!a || !b || !user) throw new Error("replicas did not start");
    fleet.push(...(await startFakeFleet(b.url, 1, ["propagation-model"])));
    const fake = fleet[0];
    if (!fake) throw new Error("no provider");
    const runningOnA = async (): Promise<number> => {
      const res = await fetch(`${a.url}/v1/models/capacity`, {
        headers: { authorization: `Bearer ${user.apiKey}` },
      });
      const body = (await res.json()) as { data?: { id: string; running?: number }[] };
      return body.data?.find((m) => m.id === "propagation-model")?.running ?? -1;
    };
    const delays: number[] = [];
    for (let i = 1; i <= o.heartbeats; i++) {
      const t0 = performance.now();
      fake.send({
        case: "heartbeat",
        value: {
          slots: [{ modelId: "propagation-model", state: SlotState.RUNNING, running: i }],
        },
      });
      for (let polls = 0; (await runningOnA()) !== i; polls++)
        if (polls > 5_000) throw new Error("the heartbeat never reached A");
      delays.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 100));
    }
    return `Presence propagation (heartbeat of a provider on B → in A's /v1/models/capacity; writes coalesced per provider every 100 ms), ${delays.length} heartbeats\n\n${markdownTable(
      [
        {
          "p50 ms": pct(delays, 50).toFixed(1),
          "p99 ms": pct(delays, 99).toFixed(1),
          "max ms": Math.max(...delays).toFixed(1),
        },
      ],
    )}`;
  } finally {
    await Promise.all(fleet.map((f) => f.close()));
    await net.stop();
  }
}

export async function forwardingBench(o: ForwardingOptions): Promise<string> {
  const forwarding = await forwardedVsLocal(o);
  return o.heartbeats > 0 ? `${forwarding}\n${await propagation(o)}` : forwarding;
}
