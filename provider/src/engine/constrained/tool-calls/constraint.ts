// Constrained decoding: force a fixed prefix, then only tokens that keep the output valid compact
// JSON (closing it in time for the token budget), then a fixed suffix and end-of-sequence.
// Used for a forced tool call (tool_choice naming a function) and response_format json_object /
// json_schema; the byte machine decides what "valid" means (any object, or a schema's instances).
import { isPlainByte, vocabTrie, type TrieNode } from "./vocab-trie.js";

/** A byte-level JSON acceptor: JsonMachine (any object) or JsonSchemaMachine (a schema). */
export interface JsonByteMachine {
  readonly done: boolean;
  /** Feeds one byte; false when it may not come next. */
  push(b: number): boolean;
  pushAll(bytes: Uint8Array): boolean;
  clone(): JsonByteMachine;
  /** The shortest text that completes what was fed into a valid document. */
  closingSuffix(): string;
  /** True inside free text where every plain byte (isPlainByte) leaves the machine unchanged. */
  readonly inPlainText: boolean;
}

export interface TokenConstraint {
  /** Sets the logit of every token that may not come next to -Infinity. */
  restrict(logits: number[], remainingTokens: number): void;
  /** Records the token that was sampled. */
  accept(token: number): void;
}

export interface ConstraintVocab {
  vocabSize: number;
  tokenBytes(id: number): Uint8Array;
  /** Tokens never produced inside JSON (special tokens). */
  specialIds: ReadonlySet<number>;
  encode(text: string): number[];
}

export interface JsonConstraintSpec {
  prefix: string;
  suffix: string;
  eosId: number;
  /** A fresh machine for the JSON part. */
  machine: () => JsonByteMachine;
}

export class JsonConstraint implements TokenConstraint {
  readonly #vocab: ConstraintVocab;
  readonly #suffixIds: number[];
  readonly #eosId: number;
  readonly #json: JsonByteMachine;
  #forced: number[];
  #inJson: boolean;
  /** Closings this many bytes long fit the budget without encoding them (set per step). */
  #fitsBytes = 0;
  readonly #encodedLength = new Map<string, number>();

  constructor(vocab: ConstraintVocab, spec: JsonConstraintSpec) {
    this.#vocab = vocab;
    this.#forced = spec.prefix ? vocab.encode(spec.prefix) : [];
    this.#suffixIds = spec.suffix ? vocab.encode(spec.suffix) : [];
    this.#eosId = spec.eosId;
    this.#json = spec.machine();
    this.#inJson = true;
  }

  restrict(logits: number[], remainingTokens: number): void {
    if (this.#forced.length === 0 && this.#inJson) {
      const allowed = this.#allowedJsonTokens(remainingTokens - 1);
      if (allowed.size > 0) return keepOnly(logits, allowed);
      this.#closeNow();
    }
    const next = this.#forced[0];
    keepOnly(logits, new Set(next === undefined ? [this.#eosId] : [next]));
  }

  accept(token: number): void {
    if (this.#forced.length > 0) {
      this.#forced.shift();
      return;
    }
    if (!this.#inJson) return;
    this.#json.pushAll(this.#vocab.tokenBytes(token));
    if (this.#json.done) {
      this.#inJson = false;
      this.#forced = [...this.#suffixIds, this.#eosId];
    }
  }

  /** Tokens that keep the JSON valid and still leave room to close it, the suffix and EOS. */
  #allowedJsonTokens(remainingAfter: number): Set<number> {
    const allowed = new Set<number>();
    const tail = this.#suffixIds.length + 1;
    this.#fitsBytes = remainingAfter - tail;
    const fits = (machine: JsonByteMachine): boolean =>
      this.#closingTokens(machine.closingSuffix()) + tail <= remainingAfter;
    const walk = (node: TrieNode, machine: JsonByteMachine): void => {
      if (node.ids.length > 0 && fits(machine)) for (const id of node.ids) allowed.add(id);
      for (const [b, child] of node.children) {
        const m = machine.clone();
        if (m.push(b)) walk(child, m);
      }
    };
    // In free text, plain tokens keep the machine as it is: allow them wholesale and walk only
    // the branches that hold some other byte.
    const walkPlain = (node: TrieNode, machine: JsonByteMachine): void => {
      for (const [b, child] of node.children) {
        if (!isPlainByte(b)) {
          const m = machine.clone();
          if (m.push(b)) walk(child, m);
        } else if (child.hasNonPlain) walkPlain(child, machine);
      }
    };
    const trie = vocabTrie(this.#vocab);
    if (!this.#json.inPlainText) walk(trie.root, this.#json);
    else {
      if (fits(this.#json)) for (const id of trie.plainIds) allowed.add(id);
      walkPlain(trie.root, this.#json);
    }
    return allowed;
  }

  /**
   * Tokens the closing text costs: its byte length when that already fits (byte-level BPE never
   * needs more tokens than bytes), else its real encoding, cached (candidates share closings).
   */
  #closingTokens(text: string): number {
    const bytes = Buffer.byteLength(text);
    if (bytes <= this.#fitsBytes) return bytes;
    let n = this.#encodedLength.get(text);
    if (n === undefined) {
      n = this.#vocab.encode(text).length;
      this.#encodedLength.set(text, n);
    }
    return n;
  }

  #closeNow(): void {
    const closing = this.#json.closingSuffix();
    this.#forced = [
      ...(closing ? this.#vocab.encode(closing) : []),
      ...this.#suffixIds,
      this.#eosId,
    ];
    this.#inJson = false;
  }
}

function keepOnly(logits: number[], allowed: ReadonlySet<number>): void {
  for (let i = 0; i < logits.length; i++) if (!allowed.has(i)) logits[i] = -Infinity;
}
