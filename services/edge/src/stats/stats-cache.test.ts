import { expect } from "chai";
import { StatsCache } from "./stats-cache.js";

describe("StatsCache", () => {
  it("computes once per time-to-live and shares the computation in flight", async () => {
    let clock = 1_000;
    let computed = 0;
    const cache = new StatsCache(
      () => Promise.resolve(++computed),
      5_000,
      () => clock,
    );
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect([a, b, computed]).to.deep.equal([1, 1, 1]);
    clock += 4_999;
    expect(await cache.get()).to.equal(1);
    clock += 1;
    expect(await cache.get()).to.equal(2);
  });

  it("does not keep a failure: the next reader computes again", async () => {
    let calls = 0;
    const cache = new StatsCache(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error("database down")) : Promise.resolve("ok");
      },
      60_000,
      () => 0,
    );
    let failure: unknown;
    await cache.get().catch((err: unknown) => (failure = err));
    expect(String(failure)).to.contain("database down");
    expect(await cache.get()).to.equal("ok");
  });
});
