import { expect } from "chai";
import { DEFAULT_HEDGE, hedgeDelayMs } from "./hedge-delay.js";

describe("hedgeDelayMs", () => {
  it("is late at factor x the provider's own first-token record", () => {
    expect(hedgeDelayMs(800, DEFAULT_HEDGE)).to.equal(2400);
  });
  it("never hedges sooner than the minimum delay", () => {
    expect(hedgeDelayMs(10, DEFAULT_HEDGE)).to.equal(1000);
  });
  it("waits the unknown-provider delay without a record", () => {
    expect(hedgeDelayMs(undefined, DEFAULT_HEDGE)).to.equal(10_000);
  });
});
