import { expect } from "chai";
import { KvCache, STEP_TOKENS } from "./kv-cache.js";
import { mx } from "../mlx-backend/mlx.js";

/** [1, 1, T, 1] keys whose values are their positions start..start+T-1. */
const positions = (start: number, tokens: number) =>
  mx.array([[Array.from({ length: tokens }, (_, t) => [start + t])]], mx.float32);

describe("KvCache", () => {
  it("grows in whole steps, keeps every written position and zeros the unused ones", () => {
    const cache = new KvCache(1);
    const wrote: number[] = [];
    for (const tokens of [5, 1, STEP_TOKENS, 1]) {
      const kv = positions(cache.length, tokens);
      const buffers = cache.append(0, kv, mx.multiply(kv, -1));
      cache.advance(tokens);
      wrote.push(...Array.from({ length: tokens }, (_, t) => cache.length - tokens + t));
      expect(buffers.keys.shape).to.deep.equal([1, 1, cache.capacity, 1]);
    }
    expect(cache.length).to.equal(STEP_TOKENS + 7);
    expect(cache.capacity).to.equal(2 * STEP_TOKENS);
    const flat = (a: ReturnType<typeof positions>) => (a.tolist() as number[][][][]).flat(3);
    const all = cache.slice(0, 0, cache.capacity);
    expect(flat(all?.keys ?? positions(0, 0))).to.deep.equal([
      ...wrote,
      ...new Array<number>(cache.capacity - cache.length).fill(0),
    ]);
    expect(flat(cache.slice(0, 3, 6)?.values ?? positions(0, 0))).to.deep.equal([-3, -4, -5]);
  });

  it("seeds a cache from a prefix and appends after it", () => {
    const prefix = positions(0, 4);
    const cache = KvCache.seeded([{ keys: prefix, values: prefix }], 4);
    cache.append(0, positions(4, 2), positions(4, 2));
    cache.advance(2);
    expect(cache.capacity).to.equal(STEP_TOKENS);
    const kv = cache.slice(0, 0, 6);
    expect((kv?.keys.tolist() as number[][][][]).flat(3)).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });
});
