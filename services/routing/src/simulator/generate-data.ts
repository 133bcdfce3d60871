// Writes the shipped synthetic traces and fleet (deterministic): `npx tsx services/routing/src/simulator/generate-data.ts`
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PREFIX_BLOCK_TOKENS } from "../scheduler/scorers/prefix-affinity.js";
import { SIM_DATA_DIR } from "./data-dir.js";
import type { Fleet } from "./fleet.js";
import { mulberry32 } from "@darkbloom/random";
import type { TraceEntry } from "./trace.js";

const out = SIM_DATA_DIR;
const MODEL = "llama-3.1-8b-q4";
const rand = mulberry32(42);
const between = (lo: number, hi: number): number => Math.round(lo + rand() * (hi - lo));
const expGap = (ratePerS: number): number => (-Math.log(1 - rand()) / ratePerS) * 1000;
/**
 * Client patience (how long a client waits in the routing queue before it would rather get a
 * 429): 80 % of requests are interactive (chat, agents) and wait 20–30 s, uniformly; 20 % are
 * batch jobs that wait 120 s. Drawn from their own generator so the request stream itself does not
 * depend on the mix.
 */
const patienceRand = mulberry32(7);
const INTERACTIVE_SHARE = 0.8;
const BATCH_PATIENCE_MS = 120_000;
const patienceMs = (): number =>
  patienceRand() < INTERACTIVE_SHARE
    ? Math.round(20_000 + patienceRand() * 10_000)
    : BATCH_PATIENCE_MS;
const blocks = (id: string, tokens: number): string[] =>
  Array.from({ length: Math.floor(tokens / PREFIX_BLOCK_TOKENS) }, (_, k) => `${id}-b${k}`);

function oneShot(i: number, atMs: number): TraceEntry {
  const promptTokens = between(200, 3000);
  const maxTokens = between(256, 1024);
  return {
    atMs: Math.round(atMs),
    model: MODEL,
    promptTokens,
    maxTokens,
    outputTokens: between(Math.floor(maxTokens * 0.3), maxTokens),
    prefix: blocks(`r${i}`, promptTokens),
    maxWaitMs: patienceMs(),
  };
}

function steady(): TraceEntry[] {
  const list: TraceEntry[] = [];
  for (let t = 0, i = 0; t < 600_000; t += expGap(3.5), i++) list.push(oneShot(i, t));
  return list;
}

function bursty(): TraceEntry[] {
  const list: TraceEntry[] = [];
  let i = 0;
  for (let t = 0; t < 600_000; i++) {
    const inBurst = t % 90_000 < 15_000;
    t += expGap(inBurst ? 14 : 1.5);
    list.push(oneShot(i, t));
  }
  return list;
}

/**
 * Sustained overload: 2 min at 2 req/s, then 4 min at OVERLOAD_RPS (above what the fleet can
 * serve), then 2 min at 2 req/s to drain. Queues fill and clients run out of patience, so the
 * 429 rate matters as much as TTFT.
 */
const OVERLOAD_RPS = 9;
function overload(): TraceEntry[] {
  const list: TraceEntry[] = [];
  let i = 0;
  for (let t = 0; t < 480_000; i++) {
    const over = t >= 120_000 && t < 360_000;
    t += expGap(over ? OVERLOAD_RPS : 2);
    list.push(oneShot(i, t));
  }
  return list;
}

function sharedPrefix(): TraceEntry[] {
  const systems = Array.from({ length: 6 }, (_, s) => ({
    id: `sys${s}`,
    tokens: between(1024, 2048),
  }));
  const list: TraceEntry[] = [];
  for (let c = 0; c < 160; c++) {
    const sys = systems[Math.floor(rand() * systems.length)] ?? { id: "sys0", tokens: 1024 };
    let at = rand() * 540_000;
    let history = 0;
    const turns = between(3, 8);
    for (let k = 0; k < turns; k++) {
      history += between(100, 400);
      const promptTokens = sys.tokens + history;
      const maxTokens = between(128, 512);
      const outputTokens = between(64, maxTokens);
      list.push({
        atMs: Math.round(at),
        model: MODEL,
        promptTokens,
        maxTokens,
        outputTokens,
        prefix: [...blocks(sys.id, sys.tokens), ...blocks(`c${c}`, history)],
        maxWaitMs: patienceMs(),
      });
      history += outputTokens;
      at += between(8_000, 30_000);
    }
  }
  return list.sort((a, b) => a.atMs - b.atMs);
}

const fleet: Fleet = {
  providers: [
    {
      chip: "M3 Ultra",
      count: 3,
      memoryGb: 192,
      prefillTps: 2400,
      decodeTps: 70,
      kvCapacityTokens: 65_536,
      prefixCacheBlocks: 1024,
      models: [MODEL],
      stallRate: 0,
      stallMs: 0,
    },
    {
      chip: "M2 Max",
      count: 8,
      memoryGb: 64,
      prefillTps: 1100,
      decodeTps: 40,
      kvCapacityTokens: 32_768,
      prefixCacheBlocks: 512,
      models: [MODEL],
      stallRate: 0,
      stallMs: 0,
    },
    {
      chip: "M1 Pro",
      count: 10,
      memoryGb: 32,
      prefillTps: 450,
      decodeTps: 22,
      kvCapacityTokens: 16_384,
      prefixCacheBlocks: 256,
      models: [MODEL],
      stallRate: 0,
      stallMs: 0,
    },
    {
      chip: "M1 Pro (flaky)",
      count: 3,
      memoryGb: 32,
      prefillTps: 450,
      decodeTps: 22,
      kvCapacityTokens: 16_384,
      prefixCacheBlocks: 256,
      models: [MODEL],
      stallRate: 0.08,
      stallMs: 12_000,
    },
  ],
};

const jsonl = (list: TraceEntry[]): string => list.map((e) => JSON.stringify(e)).join("\n") + "\n";
writeFileSync(join(out, "fleet.json"), JSON.stringify(fleet, null, 2) + "\n");
writeFileSync(join(out, "steady.jsonl"), jsonl(steady()));
writeFileSync(join(out, "bursty.jsonl"), jsonl(bursty()));
writeFileSync(join(out, "shared-prefix.jsonl"), jsonl(sharedPrefix()));
writeFileSync(join(out, "overload.jsonl"), jsonl(overload()));
