// Two pools on one test database, standing for two coordinator replicas: registers the suite's
// before/after hooks and returns the pools (valid once the before hook has run).
import { createPool, type DatabasePool, type MigrationSource } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { authMigrations } from "../migrations.js";

export function replicaPools(
  secondPoolSize = 10,
  migrations: readonly MigrationSource[] = [authMigrations],
): () => [DatabasePool, DatabasePool] {
  let db: TestDatabase | undefined;
  let second: DatabasePool | undefined;
  before(async () => {
    db = await startTestDatabase({ migrations: [...migrations] });
    second = await createPool(db.url, { maximumPoolSize: secondPoolSize });
  });
  after(async () => {
    await second?.end();
    await db?.stop();
  });
  return () => {
    if (db === undefined || second === undefined) throw new Error("before hook did not run");
    return [db.pool, second];
  };
}
