// The SentencePiece-style path on the hand-built tokenizer of `tiny-mistral-sp`
// (provider/test-model/sentencepiece-tokenizer.ts). Expected ids are derived by hand below from
// its layout: <unk> 0, <s> 1, </s> 2, [INST] 3, [/INST] 4, <0xNN> = 5 + byte, characters from 261
// ("▁" 261, "a" 262 ... "z" 287), and merge rank r makes piece 337 + r.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { sentencePieceTokenizerFiles } from "../../../test-model/sentencepiece-tokenizer.js";
import { mistralSpTestModelDir } from "../../../test-model/variants.js";
import { EngineError } from "../errors.js";
import { Tokenizer, type TokenizerJson } from "./tokenizer.js";

const legacyJson = (): TokenizerJson =>
  JSON.parse(
    readFileSync(join(mistralSpTestModelDir(), "tokenizer.json"), "utf8"),
  ) as TokenizerJson;

describe("Tokenizer (SentencePiece-style BPE with byte fallback)", () => {
  const tok = new Tokenizer(legacyJson());

  it("is recognised as sentencepiece from its decoder", () => {
    expect(tok.kind).to.equal("sentencepiece");
  });

  it("encodes hand-checked strings to the ids SentencePiece BPE gives", () => {
    // "▁Hello▁world": "l l" (rank 10) first, then "▁ w" (11), "o r" (12), "▁w or" (13),
    // "▁wor l" (14), "▁worl d" (15), "e ll" (16), "H ell" (17), "Hell o" (18); no "▁ H" merge.
    expect(tok.encode("Hello world")).to.deep.equal([261, 337 + 18, 337 + 15]);
    // Prepend gives "▁▁▁the": "▁ t" (0) beats "▁ ▁" (34), then "h e" (1), "▁t he" (2), "▁ ▁" (34).
    expect(tok.encode("  the")).to.deep.equal([337 + 34, 337 + 2]);
    // "▁café▁日本": "▁ c" (21); é (C3 A9), 日 (E6 97 A5), 本 (E6 9C AC) are not in the vocab.
    expect(tok.encode("café 日本")).to.deep.equal([
      337 + 21, 262, 267, 5 + 0xc3, 5 + 0xa9, 261,
      5 + 0xe6, 5 + 0x97, 5 + 0xa5, 5 + 0xe6, 5 + 0x9c, 5 + 0xac,
    ]); // prettier-ignore
    // "▁a\nb": "▁ a" (5); the newline is <0x0A>.
    expect(tok.encode("a\nb")).to.deep.equal([337 + 5, 5 + 0x0a, 263]);
  });

  it("splits on special tokens and prepends ▁ to each text segment (legacy Llama 2 behaviour)", () => {
    // " Hello " becomes "▁▁Hello▁": "l l" ... "Hell o" (10..18), then "▁ ▁" (34).
    const ids = tok.encode("[INST] Hello [/INST]");
    expect(ids).to.deep.equal([3, 337 + 34, 337 + 18, 261, 4]);
    expect(tok.decode(ids)).to.equal("[INST]  Hello [/INST]");
    expect(tok.decode([1, ...tok.encode("hi")], true)).to.equal("hi");
    expect(tok.tokenId("</s>")).to.equal(2);
    expect([...tok.specialIds].sort()).to.deep.equal([0, 1, 2, 3, 4]);
  });

  const samples = [
    "The provider runs a small language model.",
    "naïve café — déjà vu, Ελληνικά, русский, 日本語のテキスト",
    "emoji 👩🏽‍🚀🚀 and flags 🇯🇵, zero-width \u200b joiner",
    "  leading spaces, tabs\tand\nnew\r\nlines  ",
    "",
  ];
  for (const s of samples) {
    it(`round-trips ${JSON.stringify(s.slice(0, 24))}`, () => {
      expect(tok.decode(tok.encode(s))).to.equal(s);
    });
  }

  it("streams byte-fallback tokens without a broken character and drops the prefix space", () => {
    const text = "日本語 👩🏽‍🚀 ok";
    const ids = tok.encode(text);
    expect(ids.filter((id) => id >= 5 && id < 261).length).to.be.greaterThan(20);
    const dec = tok.createStreamDecoder();
    let out = "";
    for (const id of ids) {
      const piece = dec.push(tok.tokenBytes(id));
      expect(piece).not.to.include("\uFFFD");
      out += piece;
    }
    expect(out + dec.end()).to.equal(text);
  });

  it("with a Metaspace pre-tokenizer (prepend_scheme first) prepends only at the start", () => {
    const meta = new Tokenizer(sentencePieceTokenizerFiles("metaspace").tokenizer as TokenizerJson);
    expect(meta.encode("Hello world")).to.deep.equal([261, 337 + 18, 337 + 15]);
    expect(meta.encode("[INST] Hello [/INST]")).to.deep.equal([3, 261, 337 + 18, 261, 4]);
    expect(meta.decode(meta.encode("[INST] Hello [/INST]"))).to.equal("[INST] Hello [/INST]");
  });

  it("without byte fallback maps unknown characters to one fused <unk>", () => {
    const json = legacyJson();
    const noFallback = new Tokenizer({ ...json, model: { ...json.model, byte_fallback: false } });
    expect(noFallback.encode("a日本")).to.deep.equal([337 + 5, 0]);
  });

  it("refuses decoders it cannot reproduce as unsupported_model", () => {
    const json = legacyJson();
    expect(() => new Tokenizer({ ...json, decoder: { type: "WordPiece" } }))
      .to.throw(EngineError)
      .with.property("code", "unsupported_model");
    expect(() => new Tokenizer({ ...json, model: { ...json.model, type: "Unigram" } }))
      .to.throw(EngineError)
      .with.property("code", "unsupported_model");
  });
});
