// SentencePiece-style BPE (tokenizer.json model BPE with byte_fallback): symbols are Unicode
// characters, "▁" marks a space, and a character missing from the vocab becomes its UTF-8 bytes
// as <0xNN> tokens (or <unk> without byte fallback).
import { EngineError } from "../errors.js";
import { mergeSymbols } from "./merge-queue.js";

export const SPACE_MARK = "\u2581";

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;
const utf8 = new TextEncoder();

export interface SentencePieceOptions {
  vocab: ReadonlyMap<string, number>;
  ranks: ReadonlyMap<string, number>;
  byteFallback: boolean;
  unkToken: string | null;
  fuseUnk: boolean;
}

export class SentencePieceBpe {
  readonly #opts: SentencePieceOptions;
  /** byte value -> id of its <0xNN> token. */
  readonly #byteIds: (number | undefined)[] = new Array<number | undefined>(256);
  readonly #unkId: number | undefined;

  constructor(opts: SentencePieceOptions) {
    this.#opts = opts;
    for (const [piece, id] of opts.vocab) {
      const m = BYTE_PIECE.exec(piece);
      if (m) this.#byteIds[parseInt(m[1] ?? "", 16)] = id;
    }
    this.#unkId = opts.unkToken === null ? undefined : opts.vocab.get(opts.unkToken);
  }

  /** Ids of one pre-tokenized, normalized word. */
  encodeWord(word: string): number[] {
    const ids: number[] = [];
    let lastUnk = false;
    for (const sym of mergeSymbols(Array.from(word), this.#opts.ranks)) {
      const id = this.#opts.vocab.get(sym);
      if (id !== undefined) {
        ids.push(id);
        lastUnk = false;
      } else if (this.#fallback(sym, ids)) {
        lastUnk = false;
      } else if (this.#unkId !== undefined) {
        if (!(this.#opts.fuseUnk && lastUnk)) ids.push(this.#unkId);
        lastUnk = true;
      } else {
        throw new EngineError("invalid_input", "text has a character the tokenizer cannot encode");
      }
    }
    return ids;
  }

  #fallback(sym: string, out: number[]): boolean {
    if (!this.#opts.byteFallback) return false;
    const bytes = utf8.encode(sym);
    const ids = Array.from(bytes, (b) => this.#byteIds[b]);
    if (ids.some((id) => id === undefined)) return false;
    for (const id of ids as number[]) out.push(id);
    return true;
  }
}

/** The bytes a piece stands for: <0xNN> is one raw byte, "▁" is a space. */
export function pieceBytes(piece: string, byteFallback: boolean): Uint8Array {
  const m = byteFallback ? BYTE_PIECE.exec(piece) : null;
  if (m) return Uint8Array.of(parseInt(m[1] ?? "", 16));
  return utf8.encode(piece.replaceAll(SPACE_MARK, " "));
}
