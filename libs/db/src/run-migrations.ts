import {
  sql,
  type DatabasePool,
  type DatabasePoolConnection,
  type DatabaseTransactionConnection,
} from "slonik";
import { z } from "zod";
import { ConnectError, Code } from "@connectrpc/connect";
import { readMigrations, type Migration } from "./migration-files.js";
import { withSessionLocks } from "./session-locks.js";

export type MigrationSource = {
  /** Name recorded in `schema_migrations.service`, e.g. `auth`. */
  readonly service: string;
  /** Absolute path of the folder holding `NNN_name.sql` files. */
  readonly directory: string;
};

export type MigrationReport = {
  readonly service: string;
  /** Names of the migrations applied by this call (empty when already up to date). */
  readonly applied: readonly string[];
};

/** One key for every service: migrations of the whole database run one process at a time. */
const MIGRATION_LOCK_KEY = 7_220_155_003_981_102n;

const appliedRow = z.object({ version: z.number().int(), name: z.string() });

/**
 * Applies the service's pending migrations in order, each in its own transaction, under a
 * session advisory lock so that processes starting together apply each file exactly once.
 */
export async function runMigrations(
  pool: DatabasePool,
  source: MigrationSource,
): Promise<MigrationReport> {
  const migrations = await readMigrations(source.directory);
  // withSessionLocks releases the lock when done (or, on an error, destroys the connection).
  return withSessionLocks(pool, async (connection) => {
    await connection.query(sql.unsafe`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    return applyPending(connection, source.service, migrations);
  });
}

async function applyPending(
  connection: DatabasePoolConnection,
  service: string,
  migrations: readonly Migration[],
): Promise<MigrationReport> {
  await connection.query(sql.unsafe`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      service text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (service, version)
    )`);
  const rows = await connection.any(
    sql.type(appliedRow)`SELECT version, name FROM schema_migrations WHERE service = ${service}`,
  );
  const applied = new Map(rows.map((row) => [row.version, row.name]));
  const names: string[] = [];
  for (const migration of migrations) {
    const appliedName = applied.get(migration.version);
    if (appliedName !== undefined) {
      if (appliedName !== migration.name) {
        throw new ConnectError(
          `${service} migration ${migration.version} was applied as ${appliedName} but the file is now ${migration.name}`,
          Code.FailedPrecondition,
        );
      }
      continue;
    }
    await connection.transaction(async (transaction) => {
      await executeScript(transaction, migration.sql);
      await transaction.query(sql.unsafe`
        INSERT INTO schema_migrations (service, version, name)
        VALUES (${service}, ${migration.version}, ${migration.name})`);
    });
    names.push(migration.name);
  }
  return { service, applied: names };
}

/**
 * Runs a whole migration file (several statements) inside the current transaction. Slonik sends
 * one statement per query, so the file travels as a bound parameter (never spliced into SQL) and a
 * PL/pgSQL block EXECUTEs it. Files may not contain what a transaction forbids (e.g. CONCURRENTLY).
 */
async function executeScript(
  transaction: DatabaseTransactionConnection,
  script: string,
): Promise<void> {
  await transaction.query(
    sql.unsafe`SELECT set_config('darkbloom.migration_script', ${script}, true)`,
  );
  await transaction.query(
    sql.unsafe`DO $do$ BEGIN EXECUTE current_setting('darkbloom.migration_script'); END $do$`,
  );
}
