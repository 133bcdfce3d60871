// Turns a stream of token byte pieces into text, holding back incomplete UTF-8 sequences.

export class IncrementalDecoder {
  readonly #decoder = new TextDecoder("utf-8", { fatal: false });

  push(bytes: Uint8Array): string {
    return this.#decoder.decode(bytes, { stream: true });
  }

  /** Flushes what is held back (an unfinished sequence becomes U+FFFD). */
  end(): string {
    return this.#decoder.decode();
  }
}
