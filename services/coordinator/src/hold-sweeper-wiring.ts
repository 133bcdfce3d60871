import { keyLimitsHousekeeping } from "@darkbloom/auth";
import type { DatabasePool } from "@darkbloom/db";
import { HoldHeartbeat, HoldSweeper, retryPendingPayouts } from "@darkbloom/ledger";
import { Counter, type Logger, type Registry } from "@darkbloom/telemetry";
import type { CoordinatorConfig } from "./config.js";
import { stripeSettings } from "./money-wiring.js";

/** The money housekeeping of one replica: the stuck-hold sweeper and the open-hold heartbeat. */
export type MoneyJobs = {
  /** The edge adds a request's id once its hold is placed and removes it at settlement. */
  readonly heartbeat: HoldHeartbeat;
  close(): Promise<void>;
};

/**
 * Stuck holds (coordinator killed mid-request, Postgres down at settlement) are swept at start
 * and periodically; every replica may run the sweeper (it locks with SKIP LOCKED). The same
 * schedule prunes key reservations whose heartbeat stopped and rate-window rows that left the
 * window, and retries pending payouts. Open holds of this replica are heartbeated so a long
 * generation is never swept.
 */
export async function startHoldSweeper(
  pool: DatabasePool,
  settings: CoordinatorConfig["money"],
  metrics: Registry,
  log: Logger,
): Promise<MoneyJobs> {
  const counter = (name: string, help: string): Counter =>
    new Counter({ name, help, registers: [metrics] });
  const swept = counter(
    "darkbloom_holds_swept_total",
    "Holds settled at zero usage by the stuck-hold sweeper",
  );
  const failures = counter(
    "darkbloom_hold_sweep_failures_total",
    "Stuck-hold sweeps that failed (retried at the next interval)",
  );
  const pruned = counter(
    "darkbloom_key_reservations_pruned_total",
    "Per-key worst-case reservations dropped because their request stopped heartbeating",
  );
  const heartbeatFailures = counter(
    "darkbloom_hold_heartbeat_failures_total",
    "Open-hold heartbeats that failed (retried at the next interval)",
  );
  const payoutRetries = counter(
    "darkbloom_payout_retries_total",
    "Pending payouts retried by the sweeper",
  );
  const stripe = stripeSettings(settings);
  // Auth's part of the housekeeping is auth's (key-limits-housekeeping.ts); this only wires it.
  const keyLimits = keyLimitsHousekeeping(pool, { staleAfterMs: settings.holdSweepAfterMs });
  const heartbeat = new HoldHeartbeat(pool, {
    intervalMs: settings.holdHeartbeatIntervalMs,
    maxRequestMs: settings.maxRequestMs,
    alsoTouch: keyLimits.touch,
    onError: (err) => {
      heartbeatFailures.inc();
      log.error("open-hold heartbeat failed", { error: String(err) });
    },
  });
  const sweeper = new HoldSweeper(pool, {
    olderThanMs: settings.holdSweepAfterMs,
    intervalMs: settings.holdSweepIntervalMs,
    maxPerSweep: 1_000,
    onHoldSwept: keyLimits.onHoldSwept,
    afterSweep: async () => {
      const dropped = await keyLimits.afterSweep();
      if (dropped > 0) {
        pruned.inc(dropped);
        log.warn("stale key reservations pruned", { count: dropped });
      }
      if (stripe === undefined) return;
      const retried = await retryPendingPayouts(pool, stripe, {
        retryAfterMs: settings.payoutRetryAfterMs,
        maxAttempts: settings.payoutMaxAttempts,
        maxPerSweep: 100,
      });
      payoutRetries.inc(retried.length);
      for (const payout of retried) {
        log.warn("pending payout retried", { payoutId: payout.id, status: payout.status });
      }
    },
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
  return {
    heartbeat,
    close: async () => {
      await heartbeat.close();
      await sweeper.close();
    },
  };
}
