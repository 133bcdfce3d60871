import { expect } from "chai";
import { mulberry32 } from "./mulberry32.js";

describe("mulberry32", () => {
  it("repeats the same sequence for the same seed and differs for another", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).to.deep.equal(seqA);
    expect(Array.from({ length: 5 }, c)).to.not.deep.equal(seqA);
  });

  it("stays in [0, 1) and spreads over the interval", () => {
    const r = mulberry32(7);
    const xs = Array.from({ length: 10_000 }, r);
    expect(Math.min(...xs)).to.be.at.least(0);
    expect(Math.max(...xs)).to.be.below(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).to.be.within(0.48, 0.52);
  });
});
