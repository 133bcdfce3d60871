// Forwarding cost between replicas: added time to first token of a request whose provider is on
// another replica, and how long a heartbeat takes to reach another replica's registry.
import { Agent } from "node:http";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { SlotState } from "@darkbloom/proto";
import type { FakeProvider, FakeReply } from "@darkbloom/testing";
import OpenAI from "openai";
import { providerCount, sumSamples } from "../chaos/metrics.js";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import { startReplicas } from "../testbed/replicas.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { markdownTable } from "../testbed/timing/markdown.js";
import { cpuSeconds } from "./bench-args.js";
import { streamOnce } from "./raw-stream.js";

export interface ForwardingOptions {
  concurrencies: number[];
  /** Streams per path per round = max(minRequests, 4 × concurrency); 1 at one stream. */
  minRequests: number;
  /**
   * Interleaved rounds per level: each runs a local and a forwarded batch (order alternating); at
   * one stream rounds × max(minRequests, 4) rounds of one request each.
   */
  rounds: number;
  /**
   * Unmeasured requests per path before the first row (default 1000): with a few dozen, V8 has not
   * yet optimized the forwarding code, and a long-running replica's figures are the steady ones.
   */
  warmupRequests?: number;
  /** Heartbeats measured for the propagation delay. */
  heartbeats: number;
  /** Extra environment of both replicas (credit leases, a CPU-profile preload). */
  replicaEnv?: Record<string, string>;
  /** Which rows each level gets (default both): see `Answering`. */
  answers?: readonly AnswerKind[];
  /** Paced rows at one stream: ms between the tokens after the first (default 2). */
  paceMs?: number;
  /** Paced rows at more streams: ms between tokens (default 50) and tokens per answer (16). */
  loadPaceMs?: number;
  loadTokens?: number;
}

/**
 * How the fake providers answer in a row. "paced": the first token at once and alone, as a real
 * engine's first token arrives (no timer before it: its whole-millisecond ticks would swallow part
 * of the request's path), the next ones paced; at more than one stream the answers are long and
 * the streams' first requests are spread over one answer's length, so N streams are N answers in
 * progress with arrivals apart, as under real load. "instant": the whole answer in one write,
 * requests back to back: N streams are then N requests queued for the CPU at once, which measures
 * what a forwarded request's extra CPU costs on a saturated machine rather than the hop; and the
 * rest of an answer and its end are handled on the path to its first token, on each replica.
 */
export type AnswerKind = "paced" | "instant";
interface Answering {
  /** ms between the tokens after the first; 0: the whole answer in one write. */
  paceMs: number;
  tokens: number;
  /** The workers' first requests are spread over this many ms (one answer's length), or 0. */
  spreadMs: number;
}

function answering(kind: AnswerKind, streams: number, o: ForwardingOptions): Answering {
  if (kind === "instant") return { paceMs: 0, tokens: 4, spreadMs: 0 };
  if (streams === 1) return { paceMs: o.paceMs ?? 2, tokens: 4, spreadMs: 0 };
  const paceMs = o.loadPaceMs ?? 50;
  const tokens = o.loadTokens ?? 16;
  return { paceMs, tokens, spreadMs: (tokens - 1) * paceMs };
}

const describeAnswering = (a: Answering): string =>
  a.paceMs === 0
    ? "whole answer in one write, back to back"
    : `${a.tokens} tokens: the first at once, then every ${a.paceMs} ms${a.spreadMs > 0 ? "; arrivals spread" : ""}`;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** The model only A's providers serve (local) and the one only B's serve (forwarded). */
const LOCAL_MODEL = TEST_MODEL_ID;
const REMOTE_MODEL = `${TEST_MODEL_ID}-on-b`;
type Path = "local" | "forwarded";
const modelOf = (path: Path): string => (path === "local" ? LOCAL_MODEL : REMOTE_MODEL);

/**
 * Client-side time to first content of `n` streams, `concurrency` at a time, over raw HTTP with
 * keep-alive (the SDK's per-request parsing would be on the clock and on this machine's CPU).
 */
async function ttfts(
  agent: Agent,
  url: URL,
  key: string,
  model: string,
  concurrency: number,
  n: number,
  answer: Answering,
): Promise<number[]> {
  const body = JSON.stringify({
    model,
    messages: [{ role: "user", content: "hi" }],
    max_tokens: answer.tokens,
    stream: true,
  });
  const out: number[] = [];
  let failed = 0;
  let next = 0;
  const worker = async (_: unknown, i: number): Promise<void> => {
    if (answer.spreadMs > 0) await delay((i * answer.spreadMs) / concurrency);
    while (next++ < n) {
      const s = await streamOnce(agent, url, key, body, "w0 ");
      if (s.ok) out.push(s.ttftMs);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failed > 0) throw new Error(`${failed} of ${n} ${model} streams failed`);
  return out;
}

/** A real OpenAI SDK stream of each path's model: the answer arrives whole (correctness check). */
async function checkWithSdk(baseUrl: string, apiKey: string): Promise<void> {
  const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0 });
  for (const model of [LOCAL_MODEL, REMOTE_MODEL]) {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 4,
      stream: true,
    });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    if (text !== "w0 w1 w2 w3 ")
      throw new Error(`${model}: unexpected answer ${JSON.stringify(text)}`);
  }
}

interface Tally {
  /** p50 TTFT of each round (same index = same round). */
  roundP50: number[];
  all: number[];
  cpuA: number;
  cpuB: number;
  requests: number;
}

const tally = (): Tally => ({ roundP50: [], all: [], cpuA: 0, cpuB: 0, requests: 0 });

interface Counters {
  queued: number;
  disputes: number;
}

type Batch = (path: Path, streams: number, n: number, t: Tally) => Promise<void>;

/**
 * One row: local and forwarded batches interleaved. One stream: a round is one local and one
 * forwarded request (adjacent requests see the same machine load); more streams: a batch of each
 * per round.
 */
async function level(
  c: number,
  batch: Batch,
  countersOnA: () => Promise<Counters>,
  answers: string,
  o: ForwardingOptions,
): Promise<Record<string, string | number>> {
  const n = c === 1 ? 1 : Math.max(o.minRequests, 4 * c);
  const rounds = c === 1 ? o.rounds * Math.max(o.minRequests, 4) : o.rounds;
  const local = tally();
  const forwarded = tally();
  const before = await countersOnA();
  for (let r = 0; r < rounds; r++) {
    // alternate which path goes first, so a drift in the machine's load hits both alike
    const order: [Path, Tally][] = [
      ["local", local],
      ["forwarded", forwarded],
    ];
    if (r % 2 === 1) order.reverse();
    for (const [path, t] of order) await batch(path, c, n, t);
  }
  const after = await countersOnA();
  const diffs = local.roundP50.map((l, i) => (forwarded.roundP50[i] ?? NaN) - l);
  const cpu = (t: Tally, x: number): number => (x * 1000) / t.requests;
  const cl = cpu(local, local.cpuA + local.cpuB);
  const cf = cpu(forwarded, forwarded.cpuA + forwarded.cpuB);
  return {
    streams: c,
    "providers answer": answers,
    "rounds × requests per path": `${rounds} × ${n}`,
    "TTFT p50 local / forwarded ms": `${pct(local.all, 50).toFixed(2)} / ${pct(forwarded.all, 50).toFixed(2)}`,
    "added p50 ms (median of rounds)": pct(diffs, 50).toFixed(2),
    "rounds' added p25 … p75 ms": `${pct(diffs, 25).toFixed(2)} … ${pct(diffs, 75).toFixed(2)}`,
    "TTFT p99 local / forwarded ms": `${pct(local.all, 99).toFixed(2)} / ${pct(forwarded.all, 99).toFixed(2)}`,
    "added p99 ms": (pct(forwarded.all, 99) - pct(local.all, 99)).toFixed(2),
    "A+B CPU ms/request local / forwarded": `${cl.toFixed(2)} / ${cf.toFixed(2)}`,
    "added CPU ms/request": (cf - cl).toFixed(2),
    "forwarded: A / B CPU ms/request": `${cpu(forwarded, forwarded.cpuA).toFixed(2)} / ${cpu(forwarded, forwarded.cpuB).toFixed(2)}`,
    "queued / usage disputes on A": `${after.queued - before.queued} / ${after.disputes - before.disputes}`,
  };
}

async function forwardedVsLocal(o: ForwardingOptions): Promise<string> {
  const net = await startReplicas(2, {
    users: 1,
    creditMicroUsd: 10_000_000_000n,
    env: { LOG_LEVEL: "error", ...o.replicaEnv },
  });
  const fleet: FakeProvider[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 256, noDelay: true });
  try {
    const [a, b] = net.coordinators;
    const user = net.users[0];
    if (!a || !b || !user) throw new Error("replicas did not start");
    const url = new URL(`${a.url}/v1/chat/completions`);
    const providersOnA = async (model: string, want: number): Promise<void> => {
      for (let i = 0; i < 400; i++) {
        if ((await providerCount(a.url, user.apiKey, model)) === want) return;
        await delay(50);
      }
      throw new Error(`A never saw ${want} providers of ${model}`);
    };
    // Both replicas' CPU seconds (from /proc): unlike latency on a shared machine, the CPU a
    // forwarded request adds does not move with other processes' load.
    const replicaCpu = async (): Promise<[number, number]> => [
      await cpuSeconds(a.process.child.pid ?? 0),
      await cpuSeconds(b.process.child.pid ?? 0),
    ];
    // Requests A's router queued (no provider had room in its view: forwarded requests see
    // remote providers through presence, so a stale view shows up here as queueing), and usage
    // reports A's relay disputed (a fake answering past max_tokens would skew the figures).
    const countersOnA = async (): Promise<Counters> => {
      const text = await (await fetch(`${a.metricsUrl}/metrics`)).text();
      return {
        queued: sumSamples(text, "darkbloom_routing_decisions_total", '{outcome="queued"}'),
        disputes: sumSamples(text, "darkbloom_usage_disputes_total"),
      };
    };
    // Both fleets stay connected: a round alternates paths by model, nothing reconnects between;
    // how they answer is switched between rows.
    let current = answering("instant", 1, o);
    const reply = (): FakeReply => ({
      pieces: Array.from({ length: current.tokens }, (_, i) => `w${i} `),
      pieceDelayMs: current.paceMs,
      firstPieceAtOnce: true,
    });
    fleet.push(...(await startFakeFleet(a.url, 8, [LOCAL_MODEL], reply)));
    fleet.push(...(await startFakeFleet(b.url, 8, [REMOTE_MODEL], reply)));
    await providersOnA(LOCAL_MODEL, 8);
    await providersOnA(REMOTE_MODEL, 8);
    await checkWithSdk(a.url, user.apiKey);
    const batch = async (path: Path, c: number, n: number, t: Tally): Promise<void> => {
      const [a0, b0] = await replicaCpu();
      const xs = await ttfts(agent, url, user.apiKey, modelOf(path), c, n, current);
      const [a1, b1] = await replicaCpu();
      t.cpuA += a1 - a0;
      t.cpuB += b1 - b0;
      t.requests += n;
      t.roundP50.push(pct(xs, 50));
      t.all.push(...xs);
    };
    // warm-up (connections, JIT) of both paths, with instant answers
    for (const path of ["local", "forwarded"] as const)
      await ttfts(agent, url, user.apiKey, modelOf(path), 4, o.warmupRequests ?? 1000, current);
    const rows = [];
    for (const c of o.concurrencies)
      for (const kind of o.answers ?? ["paced", "instant"]) {
        current = answering(kind, c, o);
        rows.push(await level(c, batch, countersOnA, describeAnswering(current), o));
      }
    const env = Object.keys(o.replicaEnv ?? {}).filter((k) => k.startsWith("DARKBLOOM_"));
    return `Forwarding: requests on replica A (raw HTTP client), 8 fake providers of one model on A (local) and 8 of another on B (forwarded), local and forwarded batches interleaved${
      env.length ? ` (${env.map((k) => `${k}=${o.replicaEnv?.[k]}`).join(", ")})` : ""
    }; A pid ${a.process.child.pid}, B pid ${b.process.child.pid}\n\n${markdownTable(rows)}`;
  } finally {
    agent.destroy();
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
