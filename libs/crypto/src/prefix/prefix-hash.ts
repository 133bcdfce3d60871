// Keyed prefix-block hashes for prefix-affinity routing: the edge (or the SDK) computes them for a
// request, the provider for the KV blocks it caches; the router only compares the opaque values.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** Bytes of canonical conversation per block: 256 tokens × ~4 bytes (byte-level BPE average). */
export const PREFIX_BLOCK_BYTES = 1024;
/** Length of one hash as sent in RoutingMetadata / SlotCapacity.prefix_block_hashes. */
export const PREFIX_HASH_BYTES = 16;
/** Length of an account's prefix key. */
export const PREFIX_KEY_BYTES = 32;

const encoder = new TextEncoder();

/**
 * The per-account key: HMAC-SHA256(secret, "darkbloom-prefix-v1\0" || account id). Hashes made
 * with it match only within that account, so they reveal nothing across tenants, and nothing at
 * all to anyone without the key (the router never has it).
 */
export function accountPrefixKey(secret: Uint8Array, accountId: string): Uint8Array {
  return hmac(sha256, secret, encoder.encode(`darkbloom-prefix-v1\0${accountId}`));
}

/**
 * Chained keyed hashes of the full blocks of `bytes`: hash i = HMAC(key, hash i-1 || block i),
 * truncated to 16 bytes, so hash i stands for the whole prefix up to the end of block i. A
 * trailing partial block is not hashed.
 */
export function prefixBlockHashes(
  key: Uint8Array,
  bytes: Uint8Array,
  blockBytes: number = PREFIX_BLOCK_BYTES,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  let previous = new Uint8Array(0);
  for (let end = blockBytes; end <= bytes.length; end += blockBytes) {
    const mac = hmac.create(sha256, key);
    mac.update(previous);
    mac.update(bytes.subarray(end - blockBytes, end));
    previous = mac.digest().slice(0, PREFIX_HASH_BYTES);
    out.push(previous);
  }
  return out;
}
