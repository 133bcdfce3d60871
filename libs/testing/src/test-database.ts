import {
  createPool,
  runMigrations,
  startEmbeddedPostgres,
  type DatabasePool,
  type MigrationSource,
} from "@darkbloom/db";

export type TestDatabase = {
  readonly url: string;
  readonly pool: DatabasePool;
  /** Ends the pool, stops the server, removes its temp folder. Idempotent. */
  stop(): Promise<void>;
};

export type TestDatabaseOptions = {
  readonly migrations?: readonly MigrationSource[];
  /** Default 20. */
  readonly maximumPoolSize?: number;
};

/** A throwaway PostgreSQL (temp folder, free port) with a pool and the given migrations applied. */
export async function startTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const server = await startEmbeddedPostgres();
  let pool: DatabasePool | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (pool?.end() ?? Promise.resolve()).finally(() => server.stop());
    return stopped;
  };
  try {
    pool = await createPool(server.url, { maximumPoolSize: options.maximumPoolSize ?? 20 });
    for (const source of options.migrations ?? []) {
      await runMigrations(pool, source);
    }
    return { url: server.url, pool, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
