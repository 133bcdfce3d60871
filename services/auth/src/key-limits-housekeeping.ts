// What auth's per-key limits need from the ledger's money housekeeping, owned here and plugged
// into the ledger's hold heartbeat and sweeper by the wiring: a running request's key
// reservation is heartbeated with its hold, a swept hold takes its key reservation with it (the
// request never settles), and reservations whose request stopped heartbeating, and rate-window
// rows that left the window, are pruned after each sweep.
import type { DatabasePool, DbConnection } from "@darkbloom/db";
import {
  pruneKeyReservations,
  releaseKeyReservation,
  touchKeyReservations,
} from "./key-limits-reservations.js";
import { pruneRateWindows } from "./rate-window.js";

export type KeyLimitsHousekeeping = {
  /** Runs in each hold heartbeat's transaction (the ledger's `alsoTouch`). */
  readonly touch: (tx: DbConnection, requestIds: readonly string[]) => Promise<void>;
  /** Runs in the transaction that sweeps a hold (the ledger's `onHoldSwept`). */
  readonly onHoldSwept: (tx: DbConnection, requestId: string) => Promise<void>;
  /** After each sweep: prunes stale reservations and old rate windows; returns how many reservations. */
  readonly afterSweep: () => Promise<number>;
};

export function keyLimitsHousekeeping(
  pool: DatabasePool,
  options: { readonly staleAfterMs: number },
): KeyLimitsHousekeeping {
  return {
    touch: touchKeyReservations,
    onHoldSwept: releaseKeyReservation,
    afterSweep: async () => {
      const pruned = await pruneKeyReservations(pool, options.staleAfterMs);
      await pruneRateWindows(pool);
      return pruned;
    },
  };
}
