// DESIGN §8: the engine's memory budget, as pure functions of bytes.
import { DEFAULT_PREFIX_CACHE_BYTES } from "../engine/batching/prefix-cache-setup.js";

export const GIB = 1024 ** 3;

export interface MemoryGateOptions {
  totalBytes: number;
  /** Overrides the computed cap (DARKBLOOM_MEMORY_CAP_BYTES); 0 = computed. */
  capOverrideBytes: number;
  /** Default 3 GiB. */
  activationReserveBytes: number;
  /** Default 1 GiB. */
  minKvBytes: number;
  /** Default 3. */
  maxModels: number;
  /** What each loaded model's prefix KV cache may grow to (its LRU budget); 0 when it is off. */
  prefixCacheBytes: number;
}

export const DEFAULT_GATE = {
  activationReserveBytes: 3 * GIB,
  minKvBytes: 1 * GIB,
  maxModels: 3,
  capOverrideBytes: 0,
  prefixCacheBytes: DEFAULT_PREFIX_CACHE_BYTES,
} as const;

/** 0.9 × RAM, but never leaving less than 2 GiB to the OS; an override wins. */
export function memoryCapBytes(
  o: Pick<MemoryGateOptions, "totalBytes" | "capOverrideBytes">,
): number {
  if (o.capOverrideBytes > 0) return o.capOverrideBytes;
  return Math.max(0, Math.min(0.9 * o.totalBytes, o.totalBytes - 2 * GIB));
}

export type GateDecision =
  | { ok: true; capBytes: number; afterLoadBytes: number }
  | { ok: false; capBytes: number; afterLoadBytes: number; reason: string };

/**
 * Load gate: resident + incoming weights + every loaded model's prefix-cache budget (the new one's
 * included) + activation reserve + KV ≤ cap, and ≤ maxModels loaded. KV is the larger of
 * `minKvBytes` and `kvFloorBytes`: what every loaded model (the new one included) needs to hold
 * one full context in the batch buffer at its rebuild peak (engine/batching/kv-budget.ts).
 */
export function checkLoad(
  o: MemoryGateOptions,
  residentWeightBytes: number,
  loadedModels: number,
  incomingWeightBytes: number,
  kvFloorBytes = 0,
): GateDecision {
  const capBytes = memoryCapBytes(o);
  const prefixBytes = (loadedModels + 1) * o.prefixCacheBytes;
  const kvBytes = Math.max(o.minKvBytes, kvFloorBytes);
  const afterLoadBytes =
    residentWeightBytes + incomingWeightBytes + prefixBytes + o.activationReserveBytes + kvBytes;
  if (loadedModels >= o.maxModels)
    return {
      ok: false,
      capBytes,
      afterLoadBytes,
      reason: `${loadedModels} models are loaded already (at most ${o.maxModels}); unload one first`,
    };
  if (afterLoadBytes > capBytes)
    return {
      ok: false,
      capBytes,
      afterLoadBytes,
      reason: `loading needs ${gib(afterLoadBytes)} GiB (weights ${gib(residentWeightBytes)} resident + ${gib(incomingWeightBytes)} incoming + ${gib(prefixBytes)} prefix caches + ${gib(o.activationReserveBytes)} activation + ${gib(kvBytes)} KV) but the cap is ${gib(capBytes)} GiB`,
    };
  return { ok: true, capBytes, afterLoadBytes };
}

/**
 * Bytes left for KV once weights, prefix caches and the activation reserve are counted; loaded
 * models share it equally (kv-capacity.ts).
 */
export function kvPoolBytes(
  o: MemoryGateOptions,
  residentWeightBytes: number,
  loadedModels: number,
): number {
  return Math.max(
    0,
    memoryCapBytes(o) -
      residentWeightBytes -
      loadedModels * o.prefixCacheBytes -
      o.activationReserveBytes,
  );
}

/** Models idle (no request) for longer than idleMs, oldest first: candidates for unloading. */
export function idleModels(
  lastUsedMs: ReadonlyMap<string, number>,
  nowMs: number,
  idleMs: number,
): string[] {
  return [...lastUsedMs]
    .filter(([, t]) => nowMs - t >= idleMs)
    .sort((a, b) => a[1] - b[1])
    .map(([id]) => id);
}

const gib = (b: number): string => (b / GIB).toFixed(2);
