// The ledger: money in Postgres, this replica's credit leases (when configured), and the sweeper
// that releases holds of requests that died.
import type { DatabasePool } from "@darkbloom/db";
import { createLedgerService } from "@darkbloom/ledger";
import type { Logger, Registry } from "@darkbloom/telemetry";
import type { CoordinatorConfig } from "../config.js";
import { startCreditLeases } from "../credit-lease-wiring.js";
import { startHoldSweeper } from "../hold-sweeper-wiring.js";

export async function buildLedger(
  pool: DatabasePool,
  databaseUrl: string,
  money: CoordinatorConfig["money"],
  replicaId: string,
  metrics: Registry,
  log: Logger,
) {
  const leases = await startCreditLeases(pool, databaseUrl, money, replicaId, metrics, log);
  const impl = createLedgerService(pool, {
    referralSharePercent: money.referralSharePercent,
    ...(leases ? { leases } : {}),
  });
  const holdSweeper = await startHoldSweeper(pool, money, metrics, log);
  return { impl, holdSweeper, leases };
}
