import { expect } from "chai";
import { buildPreTokenizer } from "./pre-tokenizer.js";

describe("Split pre-tokenizer behaviors", () => {
  // The tokenizers crate's documented example for SplitDelimiterBehavior, delimiter "-".
  const cases: [string, string[]][] = [
    ["Removed", ["the", "final", "countdown"]],
    ["Isolated", ["the", "-", "final", "-", "-", "countdown"]],
    ["MergedWithPrevious", ["the-", "final-", "-", "countdown"]],
    ["MergedWithNext", ["the", "-final", "-", "-countdown"]],
    ["Contiguous", ["the", "-", "final", "--", "countdown"]],
  ];
  for (const [behavior, expected] of cases) {
    it(`${behavior} splits "the-final--countdown" as the tokenizers crate does`, () => {
      const split = buildPreTokenizer({ type: "Split", pattern: { String: "-" }, behavior });
      expect(split("the-final--countdown")).to.deep.equal(expected);
    });
  }

  it("inverted, keeps the matches as the pieces and the text between them as delimiters", () => {
    const split = buildPreTokenizer({
      type: "Split",
      pattern: { Regex: "\\p{L}+" },
      behavior: "Removed",
      invert: true,
    });
    expect(split("ab, cd!e")).to.deep.equal(["ab", "cd", "e"]);
  });

  it("refuses an unknown behavior as unsupported_model", () => {
    expect(() =>
      buildPreTokenizer({ type: "Split", pattern: { String: "-" }, behavior: "Odd" }),
    ).to.throw(/Split behavior Odd/);
  });
});
