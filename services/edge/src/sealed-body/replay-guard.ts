import { sql, type DatabasePool } from "@darkbloom/db";

/** How often expired entries are deleted (by whichever replica gets there). */
const PRUNE_EVERY_MS = 30_000;

/**
 * Remembers (ephemeral public key, nonce) of accepted sealed request bodies until the key they
 * were sealed to stops being accepted, so a captured body cannot be submitted twice — to any
 * replica: the set lives in Postgres and the insert decides, atomically.
 */
export class ReplayGuard {
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly pool: DatabasePool,
    private readonly now: () => number = Date.now,
  ) {}

  /** False when the same body was accepted before (a replay); otherwise records it. */
  async accept(ephemeralKey: Uint8Array, nonce: Uint8Array, forgetAtMs: number): Promise<boolean> {
    await this.prune();
    const id = Buffer.concat([ephemeralKey, nonce]);
    const inserted = await this.pool.query(sql.unsafe`
      INSERT INTO edge_sealed_body_replays (id, forget_at_ms)
      VALUES (${sql.binary(id)}, ${forgetAtMs})
      ON CONFLICT (id) DO NOTHING`);
    return inserted.rowCount === 1;
  }

  /** Entries still remembered (for tests and metrics). */
  async size(): Promise<number> {
    return Number(
      await this.pool.oneFirst(sql.unsafe`SELECT count(*) FROM edge_sealed_body_replays`),
    );
  }

  private async prune(): Promise<void> {
    const now = this.now();
    if (now - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now;
    await this.pool.query(
      sql.unsafe`DELETE FROM edge_sealed_body_replays WHERE forget_at_ms <= ${now}`,
    );
  }
}
