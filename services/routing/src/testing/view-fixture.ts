import { SlotState, ThermalState, TrustLevel } from "@darkbloom/proto";
import { PREFIX_BLOCK_TOKENS } from "../scheduler/scorers/prefix-affinity.js";
import type { ProviderView, RouteRequest, SlotView } from "../scheduler/types.js";

/** Builds scheduler inputs for table tests: a provider serving `tiny` with a warm, empty slot. */
export function view(
  over: Partial<ProviderView> & { slot?: Partial<SlotView> } = {},
): ProviderView {
  const { slot, ...rest } = over;
  const s: SlotView = {
    state: SlotState.RUNNING,
    running: 0,
    waiting: 0,
    activeTokens: 0,
    maxTokensPotential: 0,
    kvCapacityTokens: 8192,
    prefixHashes: new Set(),
    ...slot,
  };
  return {
    id: "p",
    trustLevel: TrustLevel.NONE,
    routable: true,
    models: new Map([
      [
        "tiny",
        {
          templateOk: true,
          sizeBytes: 1e9,
          contextLength: 2048,
          quantization: "q4",
          fenced: false,
        },
      ],
    ]),
    slots: new Map([["tiny", s]]),
    unseenRequests: () => 0,
    unseenTokens: () => 0,
    inFlight: 0,
    memoryPressure: 0,
    cpuUsage: 0,
    thermal: ThermalState.NOMINAL,
    prefillTps: () => 1000,
    decodeTps: () => 50,
    reputation: 1,
    ...rest,
  };
}

export function request(over: Partial<RouteRequest> = {}): RouteRequest {
  return {
    model: "tiny",
    promptTokens: 100,
    maxTokens: 100,
    minTrust: TrustLevel.UNSPECIFIED,
    prefixHashes: [],
    prefixBlockTokens: PREFIX_BLOCK_TOKENS,
    quantizations: [],
    ...over,
  };
}
