import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { mulberry32 } from "@darkbloom/random";
import { testModelDir } from "../test-fixture.js";
import { bytesToSymbols } from "./byte-level.js";
import { bpeWord, parseMerges } from "./bpe.js";
import { mergeSymbols } from "./merge-queue.js";

describe("mergeSymbols", () => {
  it("merges lowest rank first, leftmost on ties", () => {
    const ranks = parseMerges(["a a", "b b", "aa b"]);
    expect(mergeSymbols(Array.from("aaab"), ranks)).to.deep.equal(["aa", "a", "b"]);
    expect(mergeSymbols(Array.from("aabb"), ranks)).to.deep.equal(["aa", "bb"]);
    expect(mergeSymbols(Array.from("aab"), ranks)).to.deep.equal(["aab"]);
  });

  it("agrees with the plain rank-by-rank merge on random text over a trained vocab", () => {
    const json = JSON.parse(readFileSync(join(testModelDir(), "tokenizer.json"), "utf8")) as {
      model: { vocab: Record<string, number>; merges: string[] };
    };
    const ranks = parseMerges(json.model.merges);
    const model = { vocab: new Map(Object.entries(json.model.vocab)), ranks, ignoreMerges: false };
    const rand = mulberry32(7);
    const alphabet = " theprovidrunsamllgg.\n";
    for (let n = 0; n < 200; n++) {
      const len = 1 + Math.floor(rand() * 40);
      const text = Array.from(
        { length: len },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      );
      const word = bytesToSymbols(text.join(""));
      expect(mergeSymbols(Array.from(word), ranks)).to.deep.equal(bpeWord(model, word));
    }
  });
});
