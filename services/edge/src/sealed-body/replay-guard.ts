/**
 * Remembers (ephemeral public key, nonce) of accepted sealed request bodies until the key they
 * were sealed to stops being accepted, so a captured body cannot be submitted twice. In memory:
 * one replica's view (see docs/security/encryption.md).
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private lastSweepMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** False when the same body was accepted before (a replay); otherwise records it. */
  accept(ephemeralKey: Uint8Array, nonce: Uint8Array, forgetAtMs: number): boolean {
    this.sweep();
    const id = `${Buffer.from(ephemeralKey).toString("base64")}:${Buffer.from(nonce).toString("base64")}`;
    if (this.seen.has(id)) return false;
    this.seen.set(id, forgetAtMs);
    while (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  /** Drops expired entries, at most once a second (a full scan). */
  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweepMs < 1000) return;
    this.lastSweepMs = now;
    for (const [id, until] of this.seen) {
      if (until <= now) this.seen.delete(id);
    }
  }
}
