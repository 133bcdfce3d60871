import { randomBytes } from "node:crypto";

export interface IssuedChallenge {
  nonce: Uint8Array;
  timestampMs: bigint;
}

export type NonceCheck =
  | { ok: true }
  | { ok: false; reason: "replayed_nonce" | "unknown_nonce" | "stale_nonce" | "bad_timestamp" };

/**
 * The challenges issued to one provider: each nonce is fresh (32 random bytes), answerable once,
 * and only while younger than `maxAgeMs`. Remembers answered nonces so a replay is named as such.
 */
export class NonceBook {
  private readonly issued = new Map<string, { timestampMs: bigint; issuedAtMs: number }>();
  private readonly answered = new Map<string, number>();

  constructor(private readonly maxAgeMs: number) {}

  issue(nowMs: number): IssuedChallenge {
    this.prune(nowMs);
    const nonce = new Uint8Array(randomBytes(32));
    const timestampMs = BigInt(nowMs);
    this.issued.set(hex(nonce), { timestampMs, issuedAtMs: nowMs });
    return { nonce, timestampMs };
  }

  /** Consumes the nonce when the answer may be accepted (the signature is checked by the caller). */
  check(nonce: Uint8Array, timestampMs: bigint, nowMs: number): NonceCheck {
    const key = hex(nonce);
    if (this.answered.has(key)) return { ok: false, reason: "replayed_nonce" };
    const entry = this.issued.get(key);
    if (!entry) return { ok: false, reason: "unknown_nonce" };
    if (nowMs - entry.issuedAtMs > this.maxAgeMs) return { ok: false, reason: "stale_nonce" };
    if (entry.timestampMs !== timestampMs) return { ok: false, reason: "bad_timestamp" };
    return { ok: true };
  }

  /** Marks a verified answer's nonce as used. */
  consume(nonce: Uint8Array, nowMs: number): void {
    const key = hex(nonce);
    this.issued.delete(key);
    this.answered.set(key, nowMs);
  }

  private prune(nowMs: number): void {
    // stale nonces stay recognisable for two ages, answered ones for four, then are forgotten
    for (const [k, v] of this.issued)
      if (nowMs - v.issuedAtMs > 2 * this.maxAgeMs) this.issued.delete(k);
    for (const [k, at] of this.answered)
      if (nowMs - at > 4 * this.maxAgeMs) this.answered.delete(k);
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
