import { expect } from "chai";
import { KvCache } from "./kv-cache.js";
import { mx } from "../mlx-backend/mlx.js";
import { PrefixCache } from "./prefix-cache.js";

/** A one-layer cache holding `tokens` positions of [1, 1, T, 2] float32 keys and values. */
function filled(tokens: number): KvCache {
  const cache = new KvCache(1);
  const kv = mx.array([[Array.from({ length: tokens }, (_, t) => [t, -t])]], mx.float32);
  cache.append(0, kv, kv);
  cache.advance(tokens);
  return cache;
}
const ids = (start: number, n: number): number[] => Array.from({ length: n }, (_, i) => start + i);
const BLOCK_BYTES = 2 * 4 * 2 * 4; // keys + values, 4 tokens × 2 floats × 4 bytes

describe("PrefixCache", () => {
  it("reuses whole leading blocks only, and always leaves a token to prefill", () => {
    const cache = new PrefixCache({ blockTokens: 4, maxBytes: 1 << 20, maxReportedHashes: 8 });
    cache.insert("a", ids(0, 10), filled(10));
    expect(cache.lookup("a", ids(0, 10))?.tokens).to.equal(8);
    expect(cache.lookup("a", ids(0, 8))?.tokens).to.equal(4);
    expect(cache.lookup("a", [...ids(0, 5), 99, 98, 97, 96])?.tokens).to.equal(4);
    expect(cache.lookup("a", [99, ...ids(1, 9)])).to.equal(undefined);
  });

  it("keys blocks by scope: another account never matches", () => {
    const cache = new PrefixCache({ blockTokens: 4, maxBytes: 1 << 20, maxReportedHashes: 8 });
    cache.insert("a", ids(0, 12), filled(12));
    expect(cache.lookup("b", ids(0, 12))).to.equal(undefined);
  });

  it("evicts the least recently used blocks, deepest first, within its byte budget", () => {
    const cache = new PrefixCache({
      blockTokens: 4,
      maxBytes: 4 * BLOCK_BYTES,
      maxReportedHashes: 8,
    });
    cache.insert("a", ids(0, 12), filled(12)); // 3 blocks
    cache.insert("a", ids(100, 8), filled(8)); // 2 more: one of the first chain's must go
    expect(cache.bytes).to.be.at.most(4 * BLOCK_BYTES);
    expect(cache.lookup("a", ids(0, 13))?.tokens).to.equal(8);
    expect(cache.lookup("a", ids(100, 9))?.tokens).to.equal(8);
  });

  it("drops a block's routing hashes with the block", () => {
    const cache = new PrefixCache({
      blockTokens: 4,
      maxBytes: 2 * BLOCK_BYTES,
      maxReportedHashes: 8,
    });
    const hash = new Uint8Array(16).fill(1);
    cache.insert("a", ids(0, 8), filled(8), { hashes: [hash], canonicalBytes: 40 });
    expect(cache.heldRouteHashes()).to.deep.equal([hash]);
    cache.insert("a", ids(50, 8), filled(8));
    expect(cache.heldRouteHashes()).to.deep.equal([]);
  });
});
