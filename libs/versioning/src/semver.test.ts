import { expect } from "chai";
import { compareSemver, isSemver } from "./semver.js";

describe("compareSemver", () => {
  it("orders by numeric parts, not text", () => {
    expect(["0.10.0", "0.9.1", "1.0.0", "0.9.0"].sort(compareSemver)).to.deep.equal([
      "0.9.0",
      "0.9.1",
      "0.10.0",
      "1.0.0",
    ]);
  });

  it("puts a pre-release before its release", () => {
    expect(compareSemver("1.0.0-rc.1", "1.0.0")).to.be.lessThan(0);
  });

  it("recognises valid versions only", () => {
    expect(isSemver("1.2.3")).to.equal(true);
    expect(isSemver("v1.2")).to.equal(false);
  });
});
