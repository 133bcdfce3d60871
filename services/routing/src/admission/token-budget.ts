import type { ProviderView, RouteRequest, SlotView } from "../scheduler/types.js";

/** Sequences assumed to share the KV cache when the engine does not report its capacity. */
export const ASSUMED_SEQUENCES_PER_SLOT = 4;

/** Tokens a request may occupy at most: its prompt estimate plus every token it may generate. */
export function requestTokens(req: Pick<RouteRequest, "promptTokens" | "maxTokens">): number {
  return req.promptTokens + req.maxTokens;
}

/**
 * KV capacity of a slot in tokens. Precedence: the engine's `kv_capacity_tokens`; otherwise the
 * model's context length × ASSUMED_SEQUENCES_PER_SLOT.
 */
export function kvCapacityTokens(slot: SlotView | undefined, contextLength: number): number {
  if (slot && slot.kvCapacityTokens > 0) return slot.kvCapacityTokens;
  return Math.max(1, contextLength) * ASSUMED_SEQUENCES_PER_SLOT;
}

/**
 * Free KV budget: capacity − what the reported sequences may still grow to (max_tokens_potential,
 * which already includes their active tokens) − requests dispatched or reserved since that report.
 */
export function freeKvTokens(p: ProviderView, model: string): number {
  const slot = p.slots.get(model);
  const capacity = kvCapacityTokens(slot, p.models.get(model)?.contextLength ?? 0);
  const committed = Math.max(slot?.maxTokensPotential ?? 0, slot?.activeTokens ?? 0);
  return capacity - committed - p.unseenTokens(model);
}

/** The request fits when its prompt + max tokens fit the slot's free KV budget. */
export function fitsTokenBudget(req: RouteRequest, p: ProviderView): boolean {
  return requestTokens(req) <= freeKvTokens(p, req.model);
}
