import path from "node:path";
import {
  createPool,
  runMigrations,
  startEmbeddedPostgres,
  type DatabasePool,
  type MigrationSource,
} from "@darkbloom/db";
import type { Logger } from "@darkbloom/telemetry";

export interface Database {
  pool: DatabasePool;
  /** The connection string (presence opens its own LISTEN connection with it). */
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/** DATABASE_URL when given; otherwise a real Postgres embedded under the data folder. */
export async function openDatabase(
  databaseUrl: string | undefined,
  dataDir: string,
  migrations: readonly MigrationSource[],
  log: Logger,
): Promise<Database> {
  const embedded = databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: path.join(dataDir, "postgres") });
  if (embedded)
    log.info("embedded postgres started", { port: embedded.port, dataDir: embedded.dataDir });
  const url = databaseUrl ?? embedded?.url ?? "";
  const pool = await createPool(url);
  try {
    for (const source of migrations) {
      const report = await runMigrations(pool, source);
      if (report.applied.length > 0)
        log.info("migrations applied", {
          service: source.service,
          applied: report.applied.join(","),
        });
    }
  } catch (err) {
    await pool.end();
    await embedded?.stop();
    throw err;
  }
  return {
    pool,
    url,
    embedded: embedded !== undefined,
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}
