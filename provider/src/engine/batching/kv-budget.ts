// What one token of KV cache costs this engine, in bytes (docs/provider-guide.md#capacity).
import type { LlamaConfig } from "../model/model-config.js";

/** ../model/load-weights.ts upcasts float16/bfloat16 weights to float32, so keys and values are float32. */
export const KV_DTYPE_BYTES = 4;

/**
 * A decoding sequence's keys/values live in the batch buffer (kv-batch.ts), which is rebuilt by
 * copy whenever the set of running sequences changes: during that copy the old and the new buffer
 * are both alive, so every KV token may need twice its bytes at the peak.
 */
export const BATCH_COPY_FACTOR = 2;

/** Keys + values of every layer for one position. */
export function kvBytesPerToken(
  c: Pick<LlamaConfig, "numLayers" | "numKvHeads" | "headDim">,
  dtypeBytes: number = KV_DTYPE_BYTES,
): number {
  return 2 * c.numLayers * c.numKvHeads * c.headDim * dtypeBytes;
}

/** Bytes to hold `tokens` KV positions at the batch-copy peak. */
export function kvPeakBytes(tokens: number, bytesPerToken: number): number {
  return tokens * bytesPerToken * BATCH_COPY_FACTOR;
}

/** KV positions a byte budget holds at the batch-copy peak (never negative). */
export function kvTokensFor(budgetBytes: number, bytesPerToken: number): number {
  if (bytesPerToken <= 0) return 0;
  return Math.max(0, Math.floor(budgetBytes / (bytesPerToken * BATCH_COPY_FACTOR)));
}
