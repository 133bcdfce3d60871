import { fileURLToPath } from "node:url";
import {
  runMigrations,
  type DatabasePool,
  type MigrationReport,
  type MigrationSource,
} from "@darkbloom/db";

export const authMigrations: MigrationSource = {
  service: "auth",
  directory: fileURLToPath(new URL("../migrations", import.meta.url)),
};

export async function migrateAuth(pool: DatabasePool): Promise<MigrationReport> {
  return runMigrations(pool, authMigrations);
}
