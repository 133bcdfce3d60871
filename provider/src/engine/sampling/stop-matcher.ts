// Streams text while watching for stop strings: text that might begin a stop string is held
// back until it is known not to, and the stop string itself is never emitted.

export interface StopResult {
  /** Text safe to emit now. */
  emit: string;
  stopped: boolean;
  /** The stop string that matched, when stopped. */
  stop?: string;
}

export class StopMatcher {
  readonly #stops: readonly string[];
  #pending = "";

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((s) => s.length > 0);
  }

  push(text: string): StopResult {
    if (this.#stops.length === 0) return { emit: text, stopped: false };
    this.#pending += text;
    let first = -1;
    let stop = "";
    for (const s of this.#stops) {
      const at = this.#pending.indexOf(s);
      if (at >= 0 && (first < 0 || at < first)) [first, stop] = [at, s];
    }
    if (first >= 0) {
      const emit = this.#pending.slice(0, first);
      this.#pending = "";
      return { emit, stopped: true, stop };
    }
    const hold = this.#heldSuffix();
    const emit = this.#pending.slice(0, this.#pending.length - hold);
    this.#pending = this.#pending.slice(this.#pending.length - hold);
    return { emit, stopped: false };
  }

  /** At the end of generation the held text is not a stop string after all. */
  flush(): string {
    const rest = this.#pending;
    this.#pending = "";
    return rest;
  }

  #heldSuffix(): number {
    let longest = 0;
    for (const s of this.#stops) {
      for (let n = Math.min(s.length - 1, this.#pending.length); n > longest; n--) {
        if (this.#pending.endsWith(s.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}
