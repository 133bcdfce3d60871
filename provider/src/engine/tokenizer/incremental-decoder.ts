// Turns a stream of token byte pieces into text, holding back incomplete UTF-8 sequences.
// SentencePiece-style tokenizers (decoder Strip / Metaspace) drop the single space the encoder
// put before the first word: `stripLeadingSpace` removes it from the start of the stream.

export interface IncrementalDecoderOptions {
  stripLeadingSpace?: boolean;
}

export class IncrementalDecoder {
  readonly #decoder = new TextDecoder("utf-8", { fatal: false });
  #strip: boolean;

  constructor(opts: IncrementalDecoderOptions = {}) {
    this.#strip = opts.stripLeadingSpace === true;
  }

  push(bytes: Uint8Array): string {
    return this.#lead(this.#decoder.decode(bytes, { stream: true }));
  }

  /** Flushes what is held back (an unfinished sequence becomes U+FFFD). */
  end(): string {
    return this.#lead(this.#decoder.decode());
  }

  #lead(text: string): string {
    if (!this.#strip || text.length === 0) return text;
    this.#strip = false;
    return text.startsWith(" ") ? text.slice(1) : text;
  }
}
