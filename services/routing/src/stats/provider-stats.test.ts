import { expect } from "chai";
import { MIN_DECODE_SAMPLE_TOKENS, ProviderStats } from "./provider-stats.js";

describe("ProviderStats", () => {
  it("measures decode speed as an EWMA of tokens per second from chunk timing", () => {
    const s = new ProviderStats();
    s.recordDecode("p", "m", 100, 1000);
    expect(s.decodeTps("p", "m")).to.equal(100);
    s.recordDecode("p", "m", 50, 1000);
    expect(s.decodeTps("p", "m")).to.be.closeTo(90, 1e-9);
  });

  it("ignores answers too short to time (a few tokens in a millisecond or two)", () => {
    const s = new ProviderStats();
    s.recordDecode("p", "m", 100, 1000);
    s.recordDecode("p", "m", 3, 1);
    s.recordDecode("p", "m", MIN_DECODE_SAMPLE_TOKENS - 1, 1000);
    expect(s.decodeTps("p", "m")).to.equal(100);
  });

  it("gives a new provider a good but not perfect reputation", () => {
    expect(new ProviderStats().reputation("new")).to.equal(0.9);
  });

  it("lowers reputation more for a timeout than for a failure", () => {
    const failed = new ProviderStats();
    const timedOut = new ProviderStats();
    failed.recordOutcome("p", "failed");
    timedOut.recordOutcome("p", "timeout");
    expect(timedOut.reputation("p")).to.be.lessThan(failed.reputation("p"));
  });

  it("lowers reputation more for an overstated usage report than for a timeout", () => {
    const timedOut = new ProviderStats();
    const disputed = new ProviderStats();
    timedOut.recordOutcome("p", "timeout");
    disputed.recordOutcome("p", "disputed");
    expect(disputed.reputation("p")).to.equal(9 / 15);
    expect(disputed.reputation("p")).to.be.lessThan(timedOut.reputation("p"));
  });

  it("forgets a provider completely", () => {
    const s = new ProviderStats();
    s.recordDecode("p", "m", 20, 100);
    s.recordOutcome("p", "ok");
    s.forget("p");
    expect(s.providerCount).to.equal(0);
    expect(s.decodeTps("p", "m")).to.equal(undefined);
  });
});
