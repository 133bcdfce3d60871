// A BPE tokenizer loaded from Hugging Face's tokenizer.json: byte-level (GPT-2 / Llama 3 / Qwen)
// or SentencePiece-style with byte fallback (Llama 2, Mistral); see docs/provider-guide.md.
import { EngineError } from "../errors.js";
import { bytesToSymbols, symbolsToBytes } from "./byte-level.js";
import { type BpeModel, bpeWord, parseMerges } from "./bpe.js";
import { type DecoderJson, readDecoder } from "./decoder-config.js";
import { IncrementalDecoder } from "./incremental-decoder.js";
import { buildNormalizer, type Normalizer, type NormalizerJson } from "./normalizer.js";
import { buildPreTokenizer, type PreTokenizer } from "./pre-tokenizer.js";
import { pieceBytes, SentencePieceBpe, SPACE_MARK } from "./sentencepiece.js";

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
}

interface TokenizerJson {
  added_tokens?: AddedTokenJson[];
  normalizer?: NormalizerJson | null;
  pre_tokenizer?: Parameters<typeof buildPreTokenizer>[0];
  decoder?: DecoderJson | null;
  model: {
    type: string;
    vocab: Record<string, number>;
    merges: (string | [string, string])[];
    ignore_merges?: boolean;
    byte_fallback?: boolean;
    unk_token?: string | null;
    fuse_unk?: boolean;
  };
}

const utf8 = new TextEncoder();
/** Words longer than this (un-pre-tokenized SentencePiece segments) are not cached. */
const MAX_CACHED_WORD = 64;

export class Tokenizer {
  readonly #encodeWord: (word: string) => number[];
  readonly #normalize: Normalizer;
  readonly #preTokenize: PreTokenizer;
  readonly #vocab: ReadonlyMap<string, number>;
  readonly #added: ReadonlyMap<string, number>;
  readonly #addedSplit: RegExp | null;
  readonly #idToBytes: Uint8Array[];
  readonly #cache = new Map<string, number[]>();
  readonly #stripLeadingSpace: boolean;
  readonly specialIds: ReadonlySet<number>;
  readonly vocabSize: number;
  /** "byte-level" or "sentencepiece" (▁ for spaces, <0xNN> byte fallback). */
  readonly kind: "byte-level" | "sentencepiece";

  constructor(json: TokenizerJson) {
    if (json.model.type !== "BPE") {
      throw new EngineError("unsupported_model", `tokenizer model ${json.model.type}`);
    }
    const decoder = readDecoder(json.decoder);
    const byteFallback = json.model.byte_fallback === true;
    if (byteFallback && decoder.kind === "byte-level") {
      throw new EngineError("unsupported_model", "byte_fallback with a byte-level decoder");
    }
    this.kind = decoder.kind;
    this.#stripLeadingSpace = decoder.kind === "sentencepiece" && decoder.stripLeadingSpace;
    this.#normalize = buildNormalizer(json.normalizer);
    const vocab = new Map(Object.entries(json.model.vocab));
    this.#vocab = vocab;
    const ranks = parseMerges(json.model.merges);
    if (decoder.kind === "byte-level") {
      this.#encodeWord = byteLevelWords({
        vocab,
        ranks,
        ignoreMerges: json.model.ignore_merges === true,
      });
    } else {
      const sp = new SentencePieceBpe({
        vocab,
        ranks,
        byteFallback,
        unkToken: json.model.unk_token ?? null,
        fuseUnk: json.model.fuse_unk === true,
      });
      this.#encodeWord = (word) => sp.encodeWord(word);
    }
    this.#preTokenize = buildPreTokenizer(json.pre_tokenizer ?? null);
    const added = json.added_tokens ?? [];
    this.#added = new Map(added.map((t) => [t.content, t.id]));
    this.specialIds = new Set(added.filter((t) => t.special === true).map((t) => t.id));
    // Longest first so a token that prefixes another never wins.
    const alternatives = [...this.#added.keys()]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.#addedSplit = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "g") : null;
    // A loop, not Math.max(...ids): real vocabularies (128k–151k ids) overflow the argument limit.
    let maxId = -1;
    for (const id of vocab.values()) if (id > maxId) maxId = id;
    for (const t of added) if (t.id > maxId) maxId = t.id;
    this.vocabSize = maxId + 1;
    this.#idToBytes = new Array<Uint8Array>(this.vocabSize).fill(new Uint8Array(0));
    for (const [sym, id] of vocab) {
      this.#idToBytes[id] =
        decoder.kind === "byte-level"
          ? Uint8Array.from(symbolsToBytes(sym))
          : pieceBytes(sym, byteFallback);
    }
    // Added tokens go through the decoder too: a SentencePiece-style "▁▁▁" one decodes as spaces.
    for (const t of added) {
      this.#idToBytes[t.id] = utf8.encode(
        decoder.kind === "sentencepiece" ? t.content.replaceAll(SPACE_MARK, " ") : t.content,
      );
    }
  }

  tokenId(content: string): number | undefined {
    return this.#added.get(content) ?? this.#vocab.get(content);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let last = 0;
    if (this.#addedSplit) {
      for (const m of text.matchAll(this.#addedSplit)) {
        const at = m.index ?? 0;
        this.#encodePlain(text.slice(last, at), last === 0, ids);
        ids.push(this.#added.get(m[0]) ?? 0);
        last = at + m[0].length;
      }
    }
    this.#encodePlain(text.slice(last), last === 0, ids);
    return ids;
  }

  /**
   * A streaming decoder for generated tokens: drops the leading space a SentencePiece-style
   * decoder strips (HF decodes "▁Hello" at the start of a completion as "Hello").
   */
  createStreamDecoder(): IncrementalDecoder {
    return new IncrementalDecoder({ stripLeadingSpace: this.#stripLeadingSpace });
  }

  /** The raw bytes of one token (added tokens as their UTF-8 text; "▁" as a space). */
  tokenBytes(id: number): Uint8Array {
    return this.#idToBytes[id] ?? new Uint8Array(0);
  }

  decode(ids: readonly number[], skipSpecial = false): string {
    const chunks = ids
      .filter((id) => !(skipSpecial && this.specialIds.has(id)))
      .map((id) => this.tokenBytes(id));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    const text = new TextDecoder().decode(all);
    return this.#stripLeadingSpace && text.startsWith(" ") ? text.slice(1) : text;
  }

  #encodePlain(text: string, atStart: boolean, out: number[]): void {
    if (text.length === 0) return;
    for (const word of this.#preTokenize(this.#normalize(text), atStart)) {
      let ids = this.#cache.get(word);
      if (!ids) {
        ids = this.#encodeWord(word);
        if (word.length <= MAX_CACHED_WORD && this.#cache.size < 50_000) this.#cache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
  }
}

/** Byte-level BPE: a word's UTF-8 bytes as GPT-2 symbols, merged, looked up. */
function byteLevelWords(bpe: BpeModel): (word: string) => number[] {
  return (word) =>
    bpeWord(bpe, bytesToSymbols(word)).map((sym) => {
      const id = bpe.vocab.get(sym);
      if (id !== undefined) return id;
      throw new EngineError("unsupported_model", `symbol ${JSON.stringify(sym)} not in vocab`);
    });
}

export type { TokenizerJson };
