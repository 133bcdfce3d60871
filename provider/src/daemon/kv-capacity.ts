// Honest KV capacity per loaded model and the post-load guard (docs/provider-guide.md#capacity).
import { kvTokensFor } from "../engine/batching/kv-budget.js";

export interface LoadedKv {
  /** Weights as measured after the load (never less than the files' size). */
  residentBytes: number;
  kvBytesPerToken: number;
  contextLength: number;
}

/**
 * KV tokens each loaded model can hold: the pool (memory-gate.ts kvPoolBytes) is shared equally by
 * the loaded models, each share counted at the batch buffer's rebuild peak (engine/batching/kv-budget.ts).
 */
export function kvCapacityTokens(poolBytes: number, loadedModels: number, model: LoadedKv): number {
  if (loadedModels <= 0) return 0;
  return kvTokensFor(poolBytes / loadedModels, model.kvBytesPerToken);
}

/**
 * The minimum serveable KV: one full context (the engine's context length, after the
 * DARKBLOOM_MAX_CONTEXT_TOKENS cap) — less could not run a request the model accepts.
 * Returns why a freshly loaded model must be unloaded, or undefined when it may serve.
 */
export function postLoadRefusal(capacityTokens: number, model: LoadedKv): string | undefined {
  if (capacityTokens >= model.contextLength) return undefined;
  return (
    `live KV headroom is ${capacityTokens} tokens, below one full context ` +
    `(${model.contextLength} tokens at ${model.kvBytesPerToken} bytes each, twice for the batch ` +
    `buffer's rebuild); unloaded so it is never routed — free memory, unload another model, or ` +
    `cap the context with DARKBLOOM_MAX_CONTEXT_TOKENS`
  );
}
