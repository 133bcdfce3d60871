// Constrained decoding: force a fixed prefix, then only tokens that keep the output valid compact
// JSON (closing it in time for the token budget), then a fixed suffix and end-of-sequence.
// Used for a forced tool call (tool_choice naming a function) and response_format json_object.
import { JsonMachine } from "./tool-calls-json-machine.js";

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
}

export class JsonConstraint implements TokenConstraint {
  readonly #vocab: ConstraintVocab;
  readonly #suffixIds: number[];
  readonly #eosId: number;
  readonly #json = new JsonMachine();
  #forced: number[];
  #inJson: boolean;

  constructor(vocab: ConstraintVocab, spec: JsonConstraintSpec) {
    this.#vocab = vocab;
    this.#forced = spec.prefix ? vocab.encode(spec.prefix) : [];
    this.#suffixIds = spec.suffix ? vocab.encode(spec.suffix) : [];
    this.#eosId = spec.eosId;
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
    for (let id = 0; id < this.#vocab.vocabSize; id++) {
      if (this.#vocab.specialIds.has(id)) continue;
      const bytes = this.#vocab.tokenBytes(id);
      if (bytes.length === 0) continue;
      const m = this.#json.clone();
      if (!m.pushAll(bytes)) continue;
      // Byte-level BPE never needs more tokens than bytes, so this bound is safe.
      if (m.closingSuffix().length + tail <= remainingAfter) allowed.add(id);
    }
    return allowed;
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
