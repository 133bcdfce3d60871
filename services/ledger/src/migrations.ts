import { fileURLToPath } from "node:url";
import {
  runMigrations,
  type DatabasePool,
  type MigrationReport,
  type MigrationSource,
} from "@darkbloom/db";

export const ledgerMigrations: MigrationSource = {
  service: "ledger",
  directory: fileURLToPath(new URL("../migrations", import.meta.url)),
};

export async function migrateLedger(pool: DatabasePool): Promise<MigrationReport> {
  return runMigrations(pool, ledgerMigrations);
}
