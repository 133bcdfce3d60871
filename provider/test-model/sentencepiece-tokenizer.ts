// A hand-built SentencePiece-style BPE tokenizer in the Llama 2 / Mistral tokenizer.json format:
// <unk> <s> </s> and two control tokens, the 256 <0xNN> byte-fallback tokens, a small character
// set, then the pieces of a short, hand-written merge list (ids are easy to derive by hand: see
// provider/src/engine/tokenizer/sentencepiece.test.ts).
import type { TokenizerFiles } from "./float-model.js";

export const SP_SPECIALS = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]"] as const;
/** First id of <0x00>; byte b is BYTE_BASE + b. */
export const SP_BYTE_BASE = SP_SPECIALS.length;
/** The characters in the vocab, first id SP_CHAR_BASE; everything else falls back to bytes. */
export const SP_CHARS =
  "\u2581abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-:;()[]/";
export const SP_CHAR_BASE = SP_BYTE_BASE + 256;
/** Merge k (0-based rank) makes the piece with id SP_MERGE_BASE + k. */
export const SP_MERGE_BASE = SP_CHAR_BASE + Array.from(SP_CHARS).length;

/** In rank order (rank = index): the lower the rank, the earlier the merge applies. */
// prettier-ignore
export const SP_MERGES: readonly [string, string][] = [
  /*  0 */ "▁ t", "h e", "▁t he", "i n", "e r", "▁ a", "o n", "r e", "▁ s", "e n",
  /* 10 */ "l l", "▁ w", "o r", "▁w or", "▁wor l", "▁worl d", "e ll", "H ell", "Hell o", "▁ i",
  /* 20 */ "▁ o", "▁ c", "a t", "in g", "▁ p", "o u", "▁ b", "e s", "▁ m", "▁ f",
  /* 30 */ "a n", "▁a n", "▁an d", "e d", "▁ ▁", "▁▁ ▁▁", "i s", "▁ d", "▁ h", "a r",
].map((m) => m.split(" ") as [string, string]);

export const SP_CHAT_TEMPLATE = [
  "{{- bos_token }}",
  "{%- for message in messages %}",
  "{%- if message.role == 'user' or message.role == 'system' %}",
  "{{- '[INST] ' + message.content + ' [/INST]' }}",
  "{%- elif message.role == 'assistant' %}",
  "{{- ' ' + message.content + eos_token }}",
  "{%- endif %}",
  "{%- endfor %}",
].join("");

export type SpStyle = "legacy" | "metaspace";

/**
 * legacy: normalizer Sequence[Prepend("▁"), Replace(" ", "▁")], no pre-tokenizer, decoder
 * Sequence[Replace, ByteFallback, Fuse, Strip] (Llama 2, Mistral 7B). metaspace: no normalizer,
 * pre-tokenizer Metaspace(prepend_scheme "first", split false), decoder Metaspace.
 */
export function sentencePieceTokenizerFiles(style: SpStyle = "legacy"): TokenizerFiles {
  const vocab: Record<string, number> = {};
  SP_SPECIALS.forEach((t, i) => (vocab[t] = i));
  for (let b = 0; b < 256; b++) {
    vocab[`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`] = SP_BYTE_BASE + b;
  }
  Array.from(SP_CHARS).forEach((c, i) => (vocab[c] = SP_CHAR_BASE + i));
  SP_MERGES.forEach(([a, b], k) => (vocab[a + b] = SP_MERGE_BASE + k));
  const added = SP_SPECIALS.map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const metaspace = {
    type: "Metaspace",
    replacement: "\u2581",
    prepend_scheme: "first",
    split: false,
  };
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer:
      style === "legacy"
        ? {
            type: "Sequence",
            normalizers: [
              { type: "Prepend", prepend: "\u2581" },
              { type: "Replace", pattern: { String: " " }, content: "\u2581" },
            ],
          }
        : null,
    pre_tokenizer: style === "legacy" ? null : metaspace,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [],
      special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } },
    },
    decoder:
      style === "legacy"
        ? {
            type: "Sequence",
            decoders: [
              { type: "Replace", pattern: { String: "\u2581" }, content: " " },
              { type: "ByteFallback" },
              { type: "Fuse" },
              { type: "Strip", content: " ", start: 1, stop: 0 },
            ],
          }
        : metaspace,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: SP_MERGES.map(([a, b]) => `${a} ${b}`),
    },
  };
  const config = {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: "<s>",
    eos_token: "</s>",
    unk_token: "<unk>",
    legacy: style === "legacy",
    model_max_length: 2048,
    tokenizer_class: "LlamaTokenizer",
    chat_template: SP_CHAT_TEMPLATE,
  };
  return { tokenizer, config, size: SP_MERGE_BASE + SP_MERGES.length };
}
