// The earnings calculator's arithmetic. Decode on Apple silicon is bound by memory bandwidth:
// tokens/s ≈ efficiency × bandwidth ÷ model bytes. The model is the largest of the reference
// sizes that fits the machine's memory. Earnings use the network's real output price and the
// provider share of every settlement (95%, docs/money.md).

export interface Chip {
  id: string;
  name: string;
  /** Unified memory bandwidth, GB/s (Apple's figures). */
  bandwidthGBps: number;
  memoryOptionsGb: readonly number[];
}

export const CHIPS: readonly Chip[] = [
  { id: "m1", name: "M1", bandwidthGBps: 68, memoryOptionsGb: [8, 16] },
  { id: "m1-pro", name: "M1 Pro", bandwidthGBps: 200, memoryOptionsGb: [16, 32] },
  { id: "m1-max", name: "M1 Max", bandwidthGBps: 400, memoryOptionsGb: [32, 64] },
  { id: "m1-ultra", name: "M1 Ultra", bandwidthGBps: 800, memoryOptionsGb: [64, 128] },
  { id: "m2", name: "M2", bandwidthGBps: 100, memoryOptionsGb: [8, 16, 24] },
  { id: "m2-pro", name: "M2 Pro", bandwidthGBps: 200, memoryOptionsGb: [16, 32] },
  { id: "m2-max", name: "M2 Max", bandwidthGBps: 400, memoryOptionsGb: [32, 64, 96] },
  { id: "m2-ultra", name: "M2 Ultra", bandwidthGBps: 800, memoryOptionsGb: [64, 128, 192] },
  { id: "m3", name: "M3", bandwidthGBps: 100, memoryOptionsGb: [8, 16, 24] },
  { id: "m3-pro", name: "M3 Pro", bandwidthGBps: 150, memoryOptionsGb: [18, 36] },
  { id: "m3-max", name: "M3 Max", bandwidthGBps: 400, memoryOptionsGb: [36, 48, 64, 96, 128] },
  { id: "m3-ultra", name: "M3 Ultra", bandwidthGBps: 819, memoryOptionsGb: [96, 256, 512] },
  { id: "m4", name: "M4", bandwidthGBps: 120, memoryOptionsGb: [16, 24, 32] },
  { id: "m4-pro", name: "M4 Pro", bandwidthGBps: 273, memoryOptionsGb: [24, 48, 64] },
  { id: "m4-max", name: "M4 Max", bandwidthGBps: 546, memoryOptionsGb: [36, 48, 64, 128] },
];

/** Reference models (4-bit weights): what a machine of a given memory can serve. */
const MODEL_SIZES = [
  { label: "70B", weightsGb: 40, minMemoryGb: 64 },
  { label: "32B", weightsGb: 18, minMemoryGb: 32 },
  { label: "14B", weightsGb: 8.5, minMemoryGb: 16 },
  { label: "8B", weightsGb: 4.5, minMemoryGb: 8 },
] as const;

/** Share of the bandwidth bound reached in practice (MLX decode, one stream). */
export const DECODE_EFFICIENCY = 0.6;
/** The provider's share of every charge. */
export const PROVIDER_SHARE = 0.95;

export interface EarningsInput {
  chip: Chip;
  memoryGb: number;
  hoursPerDay: number;
  /** Share of the online hours spent generating, 0–1. */
  utilization: number;
  /** The network's output price, micro-USD per million tokens. */
  outputMicroUsdPerMillion: number;
}

export interface EarningsEstimate {
  modelSize: string;
  tokensPerSecond: number;
  tokensPerDay: number;
  /** What consumers pay for those tokens, micro-USD per day. */
  grossMicroUsdPerDay: number;
  /** The provider's 95%, micro-USD per day and per 30-day month. */
  earningsMicroUsdPerDay: number;
  earningsMicroUsdPerMonth: number;
}

export function estimateEarnings(input: EarningsInput): EarningsEstimate {
  const model =
    MODEL_SIZES.find((m) => input.memoryGb >= m.minMemoryGb) ??
    MODEL_SIZES[MODEL_SIZES.length - 1]!;
  const tokensPerSecond = (DECODE_EFFICIENCY * input.chip.bandwidthGBps) / model.weightsGb;
  const hours = Math.min(24, Math.max(0, input.hoursPerDay));
  const utilization = Math.min(1, Math.max(0, input.utilization));
  const tokensPerDay = Math.round(tokensPerSecond * 3600 * hours * utilization);
  const grossMicroUsdPerDay = (tokensPerDay * input.outputMicroUsdPerMillion) / 1_000_000;
  const earningsMicroUsdPerDay = Math.floor(grossMicroUsdPerDay * PROVIDER_SHARE);
  return {
    modelSize: model.label,
    tokensPerSecond: Math.round(tokensPerSecond * 10) / 10,
    tokensPerDay,
    grossMicroUsdPerDay: Math.round(grossMicroUsdPerDay),
    earningsMicroUsdPerDay,
    earningsMicroUsdPerMonth: earningsMicroUsdPerDay * 30,
  };
}
