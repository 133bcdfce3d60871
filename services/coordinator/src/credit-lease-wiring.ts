import { randomBytes } from "node:crypto";
import type { DatabasePool } from "@darkbloom/db";
import { CreditLeases } from "@darkbloom/ledger";
import { Counter, type Logger, type Registry } from "@darkbloom/telemetry";
import type { CoordinatorConfig } from "./config.js";

/**
 * This replica's credit leases (docs/money.md, credit leases), or none when the lease size is 0
 * (every hold is then placed in Postgres). The lease id carries a per-process suffix: a restarted
 * replica never settles against the lease of the process before it (that one is swept).
 */
export async function startCreditLeases(
  pool: DatabasePool,
  databaseUrl: string,
  settings: CoordinatorConfig["money"],
  replicaId: string,
  metrics: Registry,
  log: Logger,
): Promise<CreditLeases | undefined> {
  if (settings.creditLeaseMicroUsd <= 0n) return undefined;
  const swept = new Counter({
    name: "darkbloom_credit_leases_swept_total",
    help: "Expired credit leases (of replicas that stopped renewing) returned to their wallets",
    registers: [metrics],
  });
  const failures = new Counter({
    name: "darkbloom_credit_lease_failures_total",
    help: "Credit lease renewals, returns or sweeps that failed (retried at the next tick)",
    registers: [metrics],
  });
  const leases = new CreditLeases(pool, {
    replicaId: `${replicaId}.${randomBytes(3).toString("hex")}`,
    leaseMicroUsd: settings.creditLeaseMicroUsd,
    ttlMs: settings.creditLeaseTtlMs,
    idleReturnMs: settings.creditLeaseIdleMs,
    priceCacheMs: settings.priceCacheMs,
    databaseUrl,
    staleHoldMs: settings.maxRequestMs + settings.holdSweepAfterMs,
    onError: (err) => {
      failures.inc();
      log.error("credit lease renewal, return or sweep failed", { error: String(err) });
    },
    onSwept: (count) => {
      swept.inc(count);
      log.warn("expired credit leases returned", { count });
    },
  });
  await leases.start();
  return leases;
}
