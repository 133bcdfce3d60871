// A byte-level BPE tokenizer loaded from Hugging Face's tokenizer.json.
import { EngineError } from "../errors.js";
import { bytesToSymbols, symbolsToBytes } from "./byte-level.js";
import { type BpeModel, bpeWord, parseMerges } from "./bpe.js";
import { buildPreTokenizer, type PreTokenizer } from "./pre-tokenizer.js";

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
}

interface TokenizerJson {
  added_tokens?: AddedTokenJson[];
  normalizer?: { type: string } | null;
  pre_tokenizer?: Parameters<typeof buildPreTokenizer>[0];
  decoder?: { type: string; decoders?: { type: string }[] } | null;
  model: {
    type: string;
    vocab: Record<string, number>;
    merges: (string | [string, string])[];
    ignore_merges?: boolean;
    byte_fallback?: boolean;
  };
}

const utf8 = new TextEncoder();

export class Tokenizer {
  readonly #bpe: BpeModel;
  readonly #preTokenize: PreTokenizer;
  readonly #added: ReadonlyMap<string, number>;
  readonly #addedSplit: RegExp | null;
  readonly #idToBytes: Uint8Array[];
  readonly #cache = new Map<string, number[]>();
  readonly #nfc: boolean;
  readonly specialIds: ReadonlySet<number>;
  readonly vocabSize: number;

  constructor(json: TokenizerJson) {
    if (json.model.type !== "BPE" || json.model.byte_fallback === true) {
      throw new EngineError("unsupported_model", "only byte-level BPE tokenizers are supported");
    }
    const normalizer = json.normalizer?.type;
    if (normalizer !== undefined && normalizer !== "NFC") {
      throw new EngineError("unsupported_model", `normalizer ${normalizer}`);
    }
    this.#nfc = normalizer === "NFC";
    const vocab = new Map(Object.entries(json.model.vocab));
    this.#bpe = {
      vocab,
      ranks: parseMerges(json.model.merges),
      ignoreMerges: json.model.ignore_merges === true,
    };
    this.#preTokenize = buildPreTokenizer(json.pre_tokenizer ?? null);
    const added = json.added_tokens ?? [];
    this.#added = new Map(added.map((t) => [t.content, t.id]));
    this.specialIds = new Set(added.filter((t) => t.special === true).map((t) => t.id));
    // Longest first so a token that prefixes another never wins.
    const alternatives = [...this.#added.keys()]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.#addedSplit = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "g") : null;
    const maxId = Math.max(...vocab.values(), ...added.map((t) => t.id));
    this.vocabSize = maxId + 1;
    this.#idToBytes = new Array<Uint8Array>(this.vocabSize).fill(new Uint8Array(0));
    for (const [sym, id] of vocab) this.#idToBytes[id] = Uint8Array.from(symbolsToBytes(sym));
    for (const t of added) this.#idToBytes[t.id] = utf8.encode(t.content);
  }

  tokenId(content: string): number | undefined {
    return this.#added.get(content) ?? this.#bpe.vocab.get(content);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let last = 0;
    if (this.#addedSplit) {
      for (const m of text.matchAll(this.#addedSplit)) {
        const at = m.index ?? 0;
        this.#encodePlain(text.slice(last, at), ids);
        ids.push(this.#added.get(m[0]) ?? 0);
        last = at + m[0].length;
      }
    }
    this.#encodePlain(text.slice(last), ids);
    return ids;
  }

  /** The raw bytes of one token (added tokens as their UTF-8 text). */
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
    return new TextDecoder().decode(all);
  }

  #encodePlain(text: string, out: number[]): void {
    if (text.length === 0) return;
    const normalized = this.#nfc ? text.normalize("NFC") : text;
    for (const piece of this.#preTokenize(normalized)) {
      const word = bytesToSymbols(piece);
      let ids = this.#cache.get(word);
      if (!ids) {
        ids = bpeWord(this.#bpe, word).map((sym) => this.#symbolId(sym));
        if (this.#cache.size < 50_000) this.#cache.set(word, ids);
      }
      out.push(...ids);
    }
  }

  #symbolId(sym: string): number {
    const id = this.#bpe.vocab.get(sym);
    if (id !== undefined) return id;
    throw new EngineError("unsupported_model", `symbol ${JSON.stringify(sym)} not in vocab`);
  }
}

export type { TokenizerJson };
