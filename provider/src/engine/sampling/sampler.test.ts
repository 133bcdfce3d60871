import { expect } from "chai";
import { argmax, sampleToken, SplitMix64 } from "./sampler.js";

describe("sampler", () => {
  const logits = [0.1, 2, 1.9, -3, 0.5, 1.95];

  it("is greedy at temperature 0", () => {
    expect(sampleToken(logits, { temperature: 0, topP: 1, seed: 1n }, new SplitMix64(1n))).to.equal(
      argmax(logits),
    );
  });

  it("gives the same tokens for the same seed and different ones for another", () => {
    const draw = (seed: bigint): number[] => {
      const rng = new SplitMix64(seed);
      return Array.from({ length: 32 }, () =>
        sampleToken(logits, { temperature: 1.5, topP: 1, seed }, rng),
      );
    };
    expect(draw(7n)).to.deep.equal(draw(7n));
    expect(draw(7n)).not.to.deep.equal(draw(8n));
  });

  it("never picks outside the top-p nucleus", () => {
    const rng = new SplitMix64(3n);
    for (let i = 0; i < 200; i++) {
      const t = sampleToken(logits, { temperature: 1, topP: 0.5, seed: 3n }, rng);
      expect([1, 2, 5]).to.include(t);
    }
  });
});
