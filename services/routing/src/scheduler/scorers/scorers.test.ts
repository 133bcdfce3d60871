import { SlotState, ThermalState } from "@darkbloom/proto";
import { expect } from "chai";
import { request, view } from "../../testing/view-fixture.js";
import type { ProviderView, RouteRequest, Scorer } from "../types.js";
import { coldSlot } from "./cold-slot.js";
import { cpuLoad } from "./cpu-load.js";
import { memoryPressure } from "./memory-pressure.js";
import { prefillTime } from "./prefill-time.js";
import { prefixAffinity } from "./prefix-affinity.js";
import { queueWait } from "./queue-wait.js";
import { thermal } from "./thermal.js";

interface Row {
  rule: string;
  scorer: Scorer;
  req: RouteRequest;
  p: ProviderView;
  ms: number;
}

const rows: Row[] = [
  {
    rule: "an idle provider adds no queue delay",
    scorer: queueWait,
    req: request(),
    p: view(),
    ms: 0,
  },
  {
    rule: "each waiting request prefills first",
    scorer: queueWait,
    req: request({ promptTokens: 500 }),
    p: view({ slot: { waiting: 2 } }),
    ms: 1000,
  },
  {
    rule: "requests dispatched since the heartbeat count as waiting",
    scorer: queueWait,
    req: request({ promptTokens: 500 }),
    p: view({ unseenRequests: () => 1 }),
    ms: 500,
  },
  {
    rule: "each running sequence costs one decode step",
    scorer: queueWait,
    req: request(),
    p: view({ slot: { running: 5 } }),
    ms: 100,
  },
  {
    rule: "prefill takes prompt tokens / prefill speed",
    scorer: prefillTime,
    req: request({ promptTokens: 2000 }),
    p: view(),
    ms: 2000,
  },
  {
    rule: "a faster chip prefills sooner",
    scorer: prefillTime,
    req: request({ promptTokens: 2000 }),
    p: view({ prefillTps: () => 4000 }),
    ms: 500,
  },
  { rule: "a warm slot costs nothing", scorer: coldSlot, req: request(), p: view(), ms: 0 },
  {
    rule: "an idle (loaded) slot costs nothing",
    scorer: coldSlot,
    req: request(),
    p: view({ slot: { state: SlotState.IDLE } }),
    ms: 0,
  },
  {
    rule: "an unloaded model costs its load time",
    scorer: coldSlot,
    req: request(),
    p: view({ slot: { state: SlotState.IDLE_SHUTDOWN } }),
    ms: 1500,
  },
  {
    rule: "a provider without a slot report is cold",
    scorer: coldSlot,
    req: request(),
    p: view({ slots: new Map() }),
    ms: 1500,
  },
  {
    rule: "memory pressure up to 70% is free",
    scorer: memoryPressure,
    req: request(),
    p: view({ memoryPressure: 0.7 }),
    ms: 0,
  },
  {
    rule: "full memory pressure costs 3 s",
    scorer: memoryPressure,
    req: request(),
    p: view({ memoryPressure: 1 }),
    ms: 3000,
  },
  { rule: "nominal thermal state is free", scorer: thermal, req: request(), p: view(), ms: 0 },
  {
    rule: "serious thermal state costs 1.5 s",
    scorer: thermal,
    req: request(),
    p: view({ thermal: ThermalState.SERIOUS }),
    ms: 1500,
  },
  {
    rule: "critical thermal state costs 10 s",
    scorer: thermal,
    req: request(),
    p: view({ thermal: ThermalState.CRITICAL }),
    ms: 10_000,
  },
  {
    rule: "CPU up to 80% is free",
    scorer: cpuLoad,
    req: request(),
    p: view({ cpuUsage: 0.8 }),
    ms: 0,
  },
  {
    rule: "CPU at 90% costs 0.5 s",
    scorer: cpuLoad,
    req: request(),
    p: view({ cpuUsage: 0.9 }),
    ms: 500,
  },
  {
    rule: "no shared prefix saves nothing",
    scorer: prefixAffinity,
    req: request({ prefixHashes: ["a", "b"] }),
    p: view(),
    ms: 0,
  },
  {
    rule: "held leading blocks save their prefill",
    scorer: prefixAffinity,
    req: request({ promptTokens: 1000, prefixHashes: ["a", "b", "c"] }),
    p: view({ slot: { prefixHashes: new Set(["a", "b"]) } }),
    ms: -512,
  },
  {
    rule: "only the leading run of blocks counts",
    scorer: prefixAffinity,
    req: request({ promptTokens: 1000, prefixHashes: ["a", "b"] }),
    p: view({ slot: { prefixHashes: new Set(["b"]) } }),
    ms: 0,
  },
  {
    rule: "a block saves as many of the prompt's units as it stands for (bytes, for the edge's estimate)",
    scorer: prefixAffinity,
    req: request({ promptTokens: 1380, prefixHashes: ["a"], prefixBlockTokens: 1024 }),
    p: view({ slot: { prefixHashes: new Set(["a"]) } }),
    ms: -1024,
  },
  {
    rule: "the saving never exceeds the prompt",
    scorer: prefixAffinity,
    req: request({ promptTokens: 300, prefixHashes: ["a", "b"] }),
    p: view({ slot: { prefixHashes: new Set(["a", "b"]) } }),
    ms: -300,
  },
];

describe("scheduler scorers (expected ms of delay)", () => {
  for (const row of rows) {
    it(`${row.scorer.name}: ${row.rule}`, () => {
      expect(row.scorer.score(row.req, row.p)).to.be.closeTo(row.ms, 1e-6);
    });
  }
});
