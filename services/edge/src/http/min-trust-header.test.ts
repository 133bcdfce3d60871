import { TrustLevel } from "@darkbloom/proto";
import { expect } from "chai";
import { EdgeError } from "../errors/edge-error.js";
import { minTrustHeader } from "./min-trust-header.js";

describe("minTrustHeader", () => {
  it("maps each documented level, case-insensitively", () => {
    expect(minTrustHeader({ "x-darkbloom-min-trust": "none" })).to.equal(TrustLevel.NONE);
    expect(minTrustHeader({ "x-darkbloom-min-trust": "Software" })).to.equal(TrustLevel.SOFTWARE);
    expect(minTrustHeader({ "x-darkbloom-min-trust": "hardware" })).to.equal(TrustLevel.HARDWARE);
    expect(minTrustHeader({ "x-darkbloom-min-trust": " HARDWARE+MDA " })).to.equal(
      TrustLevel.HARDWARE_MDA,
    );
  });

  it("accepts any level when the header is absent", () => {
    expect(minTrustHeader({})).to.equal(TrustLevel.UNSPECIFIED);
  });

  it("answers 400 naming the header for an unknown level", () => {
    expect(() => minTrustHeader({ "x-darkbloom-min-trust": "platinum" }))
      .to.throw(EdgeError)
      .with.property("status", 400);
  });
});
