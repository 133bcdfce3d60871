import { sql, withSessionLocks, type DatabasePool } from "@darkbloom/db";
import type { Logger } from "@darkbloom/telemetry";
import { z } from "zod";

/**
 * A leadership lease on a Postgres session-level advisory lock, held on one dedicated connection:
 * every `intervalMs` a replica without the lease tries `pg_try_advisory_lock`, and the holder
 * checks its connection still answers. The lock lives exactly as long as that session: when the
 * holder's process dies (even kill -9) or its connection breaks, Postgres ends the session and frees
 * the lock, and another replica takes it at its next try (within `intervalMs`).
 */
export class AdvisoryLease {
  private heldValue = false;
  private closed = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: DatabasePool,
    private readonly key: bigint,
    private readonly intervalMs: number,
    private readonly onChange: (held: boolean) => void,
    private readonly log: Logger,
  ) {}

  get held(): boolean {
    return this.heldValue;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Releases the lock (if held) and stops trying. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        // withSessionLocks frees the lock as the connection goes back to the pool (or destroys
        // the connection when this throws): a later checkout never holds it.
        await withSessionLocks(this.pool, async (conn) => {
          while (!this.closed) {
            if (!this.heldValue) {
              const locked = await conn.oneFirst(sql.type(z.object({ locked: z.boolean() }))`
                SELECT pg_try_advisory_lock(${this.key}) AS locked`);
              if (locked) this.set(true);
            } else {
              await conn.query(sql.unsafe`SELECT 1`);
            }
            await this.sleep();
          }
        });
      } catch (err) {
        if (!this.closed) this.log.warn("lease connection failed", { error: String(err) });
      }
      // The lock is gone with the connection's checkout.
      this.set(false);
      if (!this.closed) await this.sleep();
    }
  }

  private set(held: boolean): void {
    if (this.heldValue === held) return;
    this.heldValue = held;
    this.log.info(held ? "lease acquired" : "lease released", { key: String(this.key) });
    this.onChange(held);
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, this.intervalMs);
    });
  }
}
