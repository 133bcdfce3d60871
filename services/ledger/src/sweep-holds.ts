// The stuck-hold sweep: holds whose request will never settle (coordinator killed, Postgres down
// at settlement time) are settled with zero usage, releasing the whole hold to the consumer.
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { settleHold } from "./settle.js";
import { findSettlement } from "./store.js";

export type SweepOptions = {
  /** Unsettled holds not heartbeated (or, never heartbeated, created) for this long are swept. */
  readonly olderThanMs: number;
  /** At most this many holds per sweep; the next sweep takes the rest. */
  readonly maxPerSweep: number;
  /**
   * Runs in the sweep's transaction for each swept hold, e.g. to drop the per-key worst-case
   * reservation of a request that will never settle.
   */
  readonly onHoldSwept?: (tx: DbConnection, requestId: string) => Promise<void>;
};

const requestIdRow = z.object({ request_id: z.string() });

/**
 * The unsettled hold silent longest (last heartbeat, else creation) beyond `olderThanMs`, locked for this transaction. SKIP LOCKED:
 * a hold being settled right now (Settle locks its row first) or swept by another replica is
 * left alone, so a sweep never waits on, nor double-settles, anything.
 */
async function lockOneStuckHold(
  connection: DbConnection,
  olderThanMs: number,
): Promise<string | null> {
  return connection.maybeOneFirst(sql.type(requestIdRow)`
    SELECT h.request_id FROM ledger_holds h
    WHERE coalesce(h.heartbeat_at, h.created_at) < now() - (${olderThanMs} * interval '1 millisecond')
      AND NOT EXISTS (SELECT 1 FROM ledger_settlements s WHERE s.request_id = h.request_id)
    ORDER BY coalesce(h.heartbeat_at, h.created_at)
    LIMIT 1
    FOR UPDATE OF h SKIP LOCKED`);
}

/**
 * Settles stuck holds with zero usage (marked `swept`), one per transaction so the locks are
 * taken exactly as a normal Settle takes them (hold row, then accounts in id order: no
 * deadlock with live settlements). Returns how many it settled.
 *
 * Whichever comes first wins: a real Settle that arrives later gets the swept record (nothing
 * charged, nothing credited) and writes nothing; a hold already settled is never swept.
 */
export async function sweepStuckHolds(pool: DatabasePool, options: SweepOptions): Promise<number> {
  let swept = 0;
  while (swept < options.maxPerSweep) {
    const outcome = await pool.transaction(async (tx) => {
      const requestId = await lockOneStuckHold(tx, options.olderThanMs);
      if (requestId === null) return "none";
      // We hold the row lock Settle takes first, so no settlement is in progress; one that
      // committed after our SELECT's snapshot shows up in this fresh read, and it wins.
      if ((await findSettlement(tx, requestId)) !== null) return "settled meanwhile";
      await settleHold(tx, {
        requestId,
        providerAccountId: "",
        promptTokens: 0,
        completionTokens: 0,
        swept: true,
      });
      await options.onHoldSwept?.(tx, requestId);
      return "swept";
    });
    if (outcome === "none") break;
    if (outcome === "swept") swept++;
  }
  return swept;
}
