// The ledger: money in Postgres, and the sweeper that releases holds of requests that died.
import type { DatabasePool } from "@darkbloom/db";
import { createLedgerService } from "@darkbloom/ledger";
import type { Logger, Registry } from "@darkbloom/telemetry";
import type { CoordinatorConfig } from "../config.js";
import { startHoldSweeper } from "../hold-sweeper-wiring.js";

export async function buildLedger(
  pool: DatabasePool,
  money: CoordinatorConfig["money"],
  metrics: Registry,
  log: Logger,
) {
  const impl = createLedgerService(pool, { referralSharePercent: money.referralSharePercent });
  const holdSweeper = await startHoldSweeper(pool, money, metrics, log);
  return { impl, holdSweeper };
}
