import { releaseKeyReservation } from "@darkbloom/auth";
import type { DatabasePool } from "@darkbloom/db";
import { HoldSweeper } from "@darkbloom/ledger";
import { Counter, type Logger, type Registry } from "@darkbloom/telemetry";

/**
 * Stuck holds (coordinator killed mid-request, Postgres down at settlement) are swept at start
 * and periodically; every replica may run the sweeper (it locks with SKIP LOCKED).
 */
export async function startHoldSweeper(
  pool: DatabasePool,
  settings: { holdSweepAfterMs: number; holdSweepIntervalMs: number },
  metrics: Registry,
  log: Logger,
): Promise<HoldSweeper> {
  const swept = new Counter({
    name: "darkbloom_holds_swept_total",
    help: "Holds settled at zero usage by the stuck-hold sweeper",
    registers: [metrics],
  });
  const failures = new Counter({
    name: "darkbloom_hold_sweep_failures_total",
    help: "Stuck-hold sweeps that failed (retried at the next interval)",
    registers: [metrics],
  });
  const sweeper = new HoldSweeper(pool, {
    olderThanMs: settings.holdSweepAfterMs,
    intervalMs: settings.holdSweepIntervalMs,
    maxPerSweep: 1_000,
    // A swept request never settles: its per-key worst-case reservation goes with the hold.
    onHoldSwept: releaseKeyReservation,
    onSwept: (count) => {
      swept.inc(count);
      log.warn("stuck holds released", { count });
    },
    onError: (err) => {
      failures.inc();
      log.error("stuck-hold sweep failed", { error: String(err) });
    },
  });
  await sweeper.start();
  return sweeper;
}
