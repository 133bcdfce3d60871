import { SlotState, ThermalState, TrustLevel } from "@darkbloom/proto";
import { mulberry32 } from "@darkbloom/random";
import { expect } from "chai";
import { request, view } from "../testing/view-fixture.js";
import { resolveProfile } from "./profile.js";
import { PRUNE_MIN_CANDIDATES, Scheduler } from "./scheduler.js";
import type { ProviderView, RouteRequest } from "./types.js";

const SLOT_STATES = [SlotState.RUNNING, SlotState.IDLE, SlotState.IDLE_SHUTDOWN, SlotState.CRASHED];
const THERMALS = [ThermalState.NOMINAL, ThermalState.FAIR, ThermalState.SERIOUS];
const TRUST = [TrustLevel.NONE, TrustLevel.SOFTWARE, TrustLevel.HARDWARE];

/** A random provider; small value sets so exact score ties and shared prefixes are common. */
function randomView(rand: () => number, i: number): ProviderView {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const sys = Math.floor(rand() * 4);
  const held = Math.floor(rand() * 6);
  const unseen = Math.floor(rand() * 3);
  const prefill = pick([400, 1000, 2400]);
  const decode = pick([20, 40, 70]);
  return view({
    id: `p${i}`,
    trustLevel: pick(TRUST),
    routable: rand() > 0.05,
    models: new Map([
      [
        "tiny",
        {
          templateOk: rand() > 0.05,
          sizeBytes: 1e9,
          contextLength: 2048,
          quantization: pick(["q4", "q8"]),
          fenced: rand() < 0.03,
        },
      ],
    ]),
    slot: {
      state: pick(SLOT_STATES),
      running: Math.floor(rand() * 6),
      waiting: Math.floor(rand() * 3),
      maxTokensPotential: pick([0, 2000, 6000, 7900]),
      kvCapacityTokens: 8192,
      prefixHashes: new Set(Array.from({ length: held }, (_, k) => `s${sys}-${k}`)),
    },
    unseenRequests: () => unseen,
    unseenTokens: () => unseen * 300,
    inFlight: Math.floor(rand() * 5),
    memoryPressure: pick([0.2, 0.5, 0.8, 0.95]),
    cpuUsage: pick([0.1, 0.9]),
    thermal: pick(THERMALS),
    prefillTps: () => prefill,
    decodeTps: () => decode,
    reputation: pick([1, 0.9, 0.7]),
  });
}

function randomRequest(rand: () => number): RouteRequest {
  const sys = Math.floor(rand() * 4);
  return request({
    promptTokens: [50, 400, 1500][Math.floor(rand() * 3)],
    maxTokens: [100, 600][Math.floor(rand() * 2)],
    minTrust: rand() < 0.3 ? TrustLevel.SOFTWARE : TrustLevel.UNSPECIFIED,
    quantizations: rand() < 0.2 ? ["q4"] : [],
    prefixHashes: rand() < 0.7 ? Array.from({ length: 5 }, (_, k) => `s${sys}-${k}`) : [],
  });
}

const summary = (d: ReturnType<Scheduler["decide"]>) => ({
  eligible: d.eligible,
  ranked: d.ranked.map((s) => [s.provider.id, s.ms]),
});

describe("Scheduler fast path (pruned by cached floors, one pass)", () => {
  for (const profile of ["ours", "ours-without-prefix-affinity", "least-loaded"]) {
    it(`picks exactly what the plugin-by-plugin reference picks over randomized fleets (${profile})`, () => {
      const rand = mulberry32(7);
      for (let fleet = 0; fleet < 30; fleet++) {
        const size = PRUNE_MIN_CANDIDATES + Math.floor(rand() * 400);
        const views = Array.from({ length: size }, (_, i) => randomView(rand, i));
        const seed = Math.floor(rand() * 1e9);
        const fast = new Scheduler(resolveProfile(profile), mulberry32(seed));
        const reference = new Scheduler(resolveProfile(profile), mulberry32(seed));
        for (let d = 0; d < 25; d++) {
          // Providers change between decisions: new snapshots replace some views.
          for (let k = 0; k < 5; k++) {
            const i = Math.floor(rand() * size);
            views[i] = randomView(rand, i);
          }
          const req = randomRequest(rand);
          const limit = [1, 3, Infinity][d % 3];
          expect(summary(fast.decide(req, views, limit))).to.deep.equal(
            summary(reference.decideStaged(req, views, limit)),
          );
        }
      }
    });
  }
});
