// How the engine builds its prefix cache and what a request contributes to it.
import { PREFIX_KEY_BYTES, canonicalPrefixBytes, prefixBlockHashes } from "@darkbloom/crypto";
import type { InferenceBody } from "@darkbloom/proto";
import { PrefixCache, type PrefixCacheOptions, type PrefixRouting } from "./prefix-cache.js";

/** Default budget for cached prefix KV per loaded model. */
export const DEFAULT_PREFIX_CACHE_BYTES = 512 * 1024 * 1024;

/** `false` turns the prefix cache off; fields left out take their defaults. */
export type PrefixCacheSetting = Partial<PrefixCacheOptions> | false;

export function createPrefixCache(
  setting: PrefixCacheSetting | undefined,
): PrefixCache | undefined {
  if (setting === false) return undefined;
  return new PrefixCache({
    blockTokens: setting?.blockTokens ?? 32,
    maxBytes: setting?.maxBytes ?? DEFAULT_PREFIX_CACHE_BYTES,
    maxReportedHashes: setting?.maxReportedHashes ?? 512,
  });
}

/**
 * The request's cache scope (its account: blocks are never shared across accounts) and, when the
 * edge sent the account's prefix key, the same routing hashes the edge computed for the router.
 */
export function sequencePrefix(body: InferenceBody): { scope: string; routing?: PrefixRouting } {
  if (body.prefixKey.length !== PREFIX_KEY_BYTES) return { scope: body.accountId };
  const bytes = canonicalPrefixBytes(body.input);
  return {
    scope: body.accountId,
    routing: { hashes: prefixBlockHashes(body.prefixKey, bytes), canonicalBytes: bytes.length },
  };
}
