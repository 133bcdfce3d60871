import { ephemeralBoxKey, latin1String } from "@darkbloom/crypto";

/** An ephemeral sender key's public half and the shared key it gives with one recipient. */
export interface BoxKey {
  publicKey: Uint8Array;
  sharedKey: Uint8Array;
}

export interface EphemeralBoxKeysOptions {
  /** Keys made ahead per recipient (default 2). */
  depth?: number;
  /** Recipients whose keys are kept, the least recently used dropped first (default 256). */
  maxRecipients?: number;
  /** A key made ahead is wiped unused after this long (default 30 s). */
  maxAgeMs?: number;
  /**
   * Runs the work made ahead later, once the current I/O is handled (default: setImmediate, kept
   * referenced: an unref'd immediate on an otherwise idle loop waits for the next I/O, which is
   * when the key is wanted; the work ends once every recipient in use has `depth` keys).
   */
  later?: (work: () => void) => void;
  now?: () => number;
  /** Makes one key (default ephemeralBoxKey; throws CryptoError bad_key for an unusable key). */
  make?: (recipient: Uint8Array) => BoxKey;
}

/** How often a `take` looks at every recipient's keys for ones left too long. */
const SWEEP_INTERVAL_MS = 1000;

interface Made extends BoxKey {
  at: number;
}

interface Recipient {
  recipient: Uint8Array;
  keys: Made[];
  /** When a request last took a key for it. */
  takenAt: number;
  /** When a request took one within `maxAgeMs` of the one before: keys are made ahead after that. */
  reusedAt: number | undefined;
}

/**
 * Sealing to a provider needs a fresh ephemeral key pair and its agreement with the provider's
 * key: two X25519 scalar multiplications, ~0.15 ms, the largest piece of the edge's work before
 * the dispatch. Neither depends on the request, so for a provider sealed to twice within
 * `maxAgeMs` a few keys are made ahead, one per later turn of the event loop (after the I/O at hand:
 * an idle coordinator makes them while it waits; a busy one makes each once, as it would have
 * inline). A provider sealed to once, or not again for `maxAgeMs`, gets none: in a large fleet
 * where each provider is rarely used, no key is made to go unused. Every key is still used for one
 * request only — `take` removes it — and its ephemeral secret is gone as soon as it is made
 * (ephemeralBoxKey never hands it out). A key waiting longer than `maxAgeMs` is wiped at the next
 * `take` for its recipient, or at the first `take` of any recipient once a second has passed since
 * the last sweep (a request does not walk every recipient); so are the keys of a recipient that is
 * dropped, and all of them on `clear`.
 */
export class EphemeralBoxKeys {
  readonly #depth: number;
  readonly #maxRecipients: number;
  readonly #maxAgeMs: number;
  readonly #later: (work: () => void) => void;
  readonly #now: () => number;
  readonly #make: (recipient: Uint8Array) => BoxKey;
  /** Per recipient (its public key as latin1), oldest first; Map order = least recently used. */
  readonly #made = new Map<string, Recipient>();
  #queued = false;
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(options: EphemeralBoxKeysOptions = {}) {
    this.#depth = options.depth ?? 2;
    this.#maxRecipients = options.maxRecipients ?? 256;
    this.#maxAgeMs = options.maxAgeMs ?? 30_000;
    this.#later = options.later ?? setImmediate;
    this.#now = options.now ?? Date.now;
    this.#make = options.make ?? ephemeralBoxKey;
  }

  /** A key for one request to `recipient`: one made ahead when there is one, else made now. */
  take(recipient: Uint8Array): BoxKey {
    const now = this.#now();
    if (now - this.#sweptAt >= SWEEP_INTERVAL_MS) {
      this.#sweptAt = now;
      for (const { keys } of this.#made.values()) this.#dropStale(keys, now);
    }
    const id = latin1String(recipient, 0, recipient.length);
    const entry = this.#made.get(id);
    let key: BoxKey | undefined;
    if (entry) {
      this.#made.delete(id);
      this.#made.set(id, entry);
      if (now - entry.takenAt <= this.#maxAgeMs) entry.reusedAt = now;
      entry.takenAt = now;
      this.#dropStale(entry.keys, now);
      key = entry.keys.shift();
    } else {
      this.#made.set(id, {
        recipient: Uint8Array.from(recipient),
        keys: [],
        takenAt: now,
        reusedAt: undefined,
      });
      this.#evict();
    }
    this.#queue();
    return key ?? this.#make(recipient);
  }

  /** Keys waiting, over all recipients (tests, metrics). */
  get waiting(): number {
    let n = 0;
    for (const { keys } of this.#made.values()) n += keys.length;
    return n;
  }

  /** Wipes every key made ahead and forgets the recipients. */
  clear(): void {
    for (const { keys } of this.#made.values()) wipe(keys.splice(0));
    this.#made.clear();
  }

  #queue(): void {
    if (this.#queued) return;
    this.#queued = true;
    this.#later(() => {
      this.#queued = false;
      this.#makeOne();
    });
  }

  /** Makes one key for the most recently used recipient short of `depth`, then queues the next. */
  #makeOne(): void {
    const now = this.#now();
    let short: [string, Recipient] | undefined;
    for (const [id, entry] of this.#made)
      if (
        entry.keys.length < this.#depth &&
        entry.reusedAt !== undefined &&
        now - entry.reusedAt <= this.#maxAgeMs
      )
        short = [id, entry];
    if (short === undefined) return;
    const [id, entry] = short;
    try {
      entry.keys.push({ ...this.#make(entry.recipient), at: now });
    } catch {
      // not a usable key: take() fails its requests inline, with the same error
      this.#made.delete(id);
      return;
    }
    this.#queue();
  }

  /** Wipes the keys (oldest first) that waited longer than `maxAgeMs`. */
  #dropStale(keys: Made[], now: number): void {
    while (keys.length > 0 && now - (keys[0] as Made).at > this.#maxAgeMs) wipe(keys.splice(0, 1));
  }

  #evict(): void {
    for (const [id, entry] of this.#made) {
      if (this.#made.size <= this.#maxRecipients) return;
      wipe(entry.keys);
      this.#made.delete(id);
    }
  }
}

function wipe(keys: readonly Made[]): void {
  for (const k of keys) k.sharedKey.fill(0);
}
