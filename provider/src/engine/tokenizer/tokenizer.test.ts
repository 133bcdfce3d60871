import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { testModelDir } from "../test-fixture.js";
import { IncrementalDecoder } from "./incremental-decoder.js";
import { toJsRegex } from "./pre-tokenizer.js";
import { Tokenizer, type TokenizerJson } from "./tokenizer.js";

describe("Tokenizer (byte-level BPE)", () => {
  let tok: Tokenizer;
  before(() => {
    const json = JSON.parse(
      readFileSync(join(testModelDir(), "tokenizer.json"), "utf8"),
    ) as TokenizerJson;
    tok = new Tokenizer(json);
  });

  const samples = [
    "The provider runs a small language model.",
    "naïve café — déjà vu, Ελληνικά, русский, 日本語のテキスト, 한국어",
    "emoji 👩🏽‍🚀🚀 and flags 🇯🇵, math ∑∫√, zero-width \u200b joiner",
    "  leading spaces, tabs\tand\nnew\r\nlines  ",
    "numbers 3.14159 2024 and don't it's WE'RE",
    "",
  ];

  for (const s of samples) {
    it(`round-trips ${JSON.stringify(s.slice(0, 24))}`, () => {
      expect(tok.decode(tok.encode(s))).to.equal(s.normalize("NFC"));
    });
  }

  it("loads a vocabulary the size of Qwen3's (151,669 ids) and encodes a 300,000-letter word", () => {
    const json = JSON.parse(
      readFileSync(join(testModelDir(), "tokenizer.json"), "utf8"),
    ) as TokenizerJson;
    const vocab = { ...json.model.vocab };
    let next = Math.max(...Object.values(vocab)) + 1;
    while (next < 151_669) vocab[`<|filler_${next}|>`] = next++;
    const big = new Tokenizer({ ...json, model: { ...json.model, vocab } });
    expect(big.vocabSize).to.be.at.least(151_669);
    const word = "q".repeat(300_000);
    expect(big.decode(big.encode(word))).to.equal(word);
    expect(big.encode(word)).to.deep.equal(tok.encode(word));
  });

  it("merges frequent words into single tokens", () => {
    expect(tok.encode(" the")).to.have.length(1);
    expect(tok.encode("the provider").length).to.be.lessThan("the provider".length);
  });

  it("encodes special tokens as one id each and keeps surrounding text", () => {
    const ids = tok.encode("<|im_start|>user\nhi<|im_end|>");
    expect(ids[0]).to.equal(tok.tokenId("<|im_start|>"));
    expect(ids.at(-1)).to.equal(tok.tokenId("<|im_end|>"));
    expect(tok.decode(ids)).to.equal("<|im_start|>user\nhi<|im_end|>");
    expect(tok.decode(ids, true)).to.equal("user\nhi");
  });

  it("decodes incrementally without ever emitting a broken UTF-8 sequence", () => {
    const text = "日本語 👩🏽‍🚀 ok";
    const dec = new IncrementalDecoder();
    let out = "";
    for (const id of tok.encode(text)) {
      const piece = dec.push(tok.tokenBytes(id));
      expect(piece).not.to.include("\uFFFD");
      out += piece;
    }
    expect(out + dec.end()).to.equal(text);
  });

  it("translates inline case-insensitive groups for Node's RegExp", () => {
    const re = toJsRegex("(?i:'s|'t)|\\p{L}+");
    expect("IT'S".match(re)).to.deep.equal(["IT", "'S"]);
  });
});
