import type { ProviderView, RouteRequest, Scorer } from "../types.js";

/** Real tokens per prefix block the edge hashes (1,024 bytes at ~4 bytes per token). */
export const PREFIX_BLOCK_TOKENS = 256;

/** Leading blocks of the request's prefix that the provider reports holding in its KV cache. */
export function matchedPrefixBlocks(req: RouteRequest, p: ProviderView): number {
  const held = p.slots.get(req.model)?.prefixHashes;
  if (!held || held.size === 0) return 0;
  let n = 0;
  while (n < req.prefixHashes.length && held.has(req.prefixHashes[n] ?? "")) n++;
  return n;
}

/** Cached prefix tokens need no prefill: the saving is negative delay, weighed against load. */
export const prefixAffinity: Scorer = {
  name: "prefix-affinity",
  score(req, p) {
    const saved = Math.min(req.promptTokens, matchedPrefixBlocks(req, p) * req.prefixBlockTokens);
    return -(saved / p.prefillTps(req.model)) * 1000;
  },
  // Nothing is saved unless the provider holds the first block; at most the whole prompt is.
  sparse: {
    heldKeys: (model, p) => p.slots.get(model)?.prefixHashes ?? [],
    requestKey: (req) => req.prefixHashes[0],
  },
  floor: (model, p) => ({ constMs: 0, perPromptTokenMs: -1000 / p.prefillTps(model) }),
};
