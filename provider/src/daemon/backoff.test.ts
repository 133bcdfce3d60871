import { expect } from "chai";
import { backoffDelay } from "./coordinator-connection.js";

describe("backoffDelay", () => {
  it("grows with the attempt and never exceeds the maximum", () => {
    expect(backoffDelay(1, 500, 30_000, () => 1)).to.equal(500);
    expect(backoffDelay(4, 500, 30_000, () => 1)).to.equal(4000);
    expect(backoffDelay(20, 500, 30_000, () => 1)).to.equal(30_000);
  });

  it("is jittered so providers do not reconnect in lockstep", () => {
    expect(backoffDelay(5, 500, 30_000, () => 0)).to.equal(250);
    expect(backoffDelay(5, 500, 30_000, () => 0.5)).to.not.equal(
      backoffDelay(5, 500, 30_000, () => 0.9),
    );
  });
});
