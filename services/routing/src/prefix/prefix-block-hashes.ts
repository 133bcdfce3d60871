import { createHmac } from "node:crypto";
import { PREFIX_BLOCK_TOKENS } from "../scheduler/scorers/prefix-affinity.js";

/** Bytes per block when no tokenizer is at hand: byte-level BPE averages ~4 bytes per token. */
export const PREFIX_BLOCK_BYTES = PREFIX_BLOCK_TOKENS * 4;
/** Hash length sent in RoutingMetadata.prefix_block_hashes. */
export const PREFIX_HASH_BYTES = 16;

/**
 * The per-account key: HMAC(secret, account id). Hashes made with it match only within that
 * account, so they reveal nothing across tenants, and nothing at all without the secret.
 */
export function accountPrefixKey(secret: Uint8Array, accountId: string): Uint8Array {
  return new Uint8Array(
    createHmac("sha256", secret).update(`darkbloom-prefix-v1\0${accountId}`).digest(),
  );
}

/**
 * Chained keyed hashes of the prompt's full blocks: hash i covers blocks 0..i, so equal hashes
 * mean equal prefixes (a shared system prompt, the same conversation so far). A trailing partial
 * block is not hashed (the provider's cache reuses whole blocks only).
 */
export function prefixBlockHashes(
  key: Uint8Array,
  prompt: Uint8Array,
  blockBytes: number = PREFIX_BLOCK_BYTES,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  let previous = new Uint8Array(0);
  for (let end = blockBytes; end <= prompt.length; end += blockBytes) {
    const h = createHmac("sha256", key)
      .update(previous)
      .update(prompt.subarray(end - blockBytes, end))
      .digest();
    previous = new Uint8Array(h.subarray(0, PREFIX_HASH_BYTES));
    out.push(previous);
  }
  return out;
}
