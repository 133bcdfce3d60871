// Verified API keys in memory, keyed by the key's SHA-256 (never the plaintext): the principal of
// a live key, or null for a hash no live key has. Bounded; entries expire after `maxAgeMs`.
import type { Principal } from "./service.js";

export type ApiKeyCacheOptions = {
  /** Most entries kept; the least recently used go first. */
  readonly maxEntries: number;
  /** An entry older than this is verified against Postgres again. */
  readonly maxAgeMs: number;
};

type Entry = {
  readonly principal: Principal | null;
  readonly verifiedAtMs: number;
  /** When `last_used_at` was last stamped for this key (positive entries). */
  touchedAtMs: number;
};

export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every invalidation: a lookup that began before one must not be stored. */
  private generation = 0;

  constructor(private readonly options: ApiKeyCacheOptions) {}

  /** The fresh entry for this hash (hex), or undefined when absent or too old. */
  get(hash: string, nowMs: number): Entry | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined) return undefined;
    this.entries.delete(hash);
    if (nowMs - entry.verifiedAtMs >= this.options.maxAgeMs) return undefined;
    this.entries.set(hash, entry);
    return entry;
  }

  /** A token to pass to {@link set}: taken before the lookup whose answer is stored. */
  snapshot(): number {
    return this.generation;
  }

  /** Stores what Postgres said, unless something was invalidated since `snapshot`. */
  set(hash: string, principal: Principal | null, nowMs: number, snapshot: number): void {
    if (snapshot !== this.generation) return;
    this.entries.delete(hash);
    this.entries.set(hash, { principal, verifiedAtMs: nowMs, touchedAtMs: nowMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  /** The key with this hash changed (created, revoked, rescoped, limited, deleted). */
  dropKey(hash: string): void {
    this.generation++;
    this.entries.delete(hash);
  }

  /** The account changed: every key of it is verified again. */
  dropAccount(accountId: string): void {
    this.generation++;
    for (const [hash, entry] of this.entries) {
      if (entry.principal?.accountId === accountId) this.entries.delete(hash);
    }
  }

  /** Forget everything (the change feed was interrupted). */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
