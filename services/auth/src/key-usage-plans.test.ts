import { expect } from "chai";
import { sql, type DatabasePoolConnection } from "@darkbloom/db";
import { sequentialReads, startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { z } from "zod";
import { authMigrations } from "./migrations.js";

const idRow = z.object({ id: z.string() });

/**
 * Key usage settlement keeps its plan for the session (migration 008). A session that planned it
 * while the auth tables held a few rows read every API key (and every open reservation) at each
 * later batch: the cost of settling grew with the number of keys in the installation. Same
 * attack on the plan as services/ledger/src/settle-plans.test.ts.
 */
describe("key usage batches on a session that planned while the auth tables were empty", function () {
  this.timeout(120_000);
  const ROWS = 20_000;
  let database: TestDatabase | undefined;
  let keyId = "";
  const db = (): TestDatabase => {
    if (database === undefined) throw new Error("before hook did not run");
    return database;
  };

  before(async () => {
    database = await startTestDatabase({ migrations: [authMigrations] });
    const account = await db().pool.oneFirst(sql.type(idRow)`
      INSERT INTO accounts (name, role) VALUES ('plans', 'consumer') RETURNING id::text AS id`);
    keyId = await db().pool.oneFirst(sql.type(idRow)`
      INSERT INTO api_keys (account_id, name, prefix, hash)
      VALUES (${account}::uuid, 'plans', 'db-plans', sha256('plans-key'::bytea))
      RETURNING id::text AS id`);
  });
  after(async () => {
    await database?.stop();
  });

  const settleUsage = (session: DatabasePoolConnection, requestId: string): Promise<unknown> =>
    session.query(sql.unsafe`
      SELECT auth_settle_key_usages(ARRAY[${keyId}]::uuid[], ARRAY[${requestId}]::text[],
        ARRAY[40]::int8[], ARRAY[300]::int8[], 60)`);

  it("reads a few rows per batch, not every key and reservation, after the tables have grown", async () => {
    await db().pool.connect(async (session) => {
      for (let i = 0; i < 6; i++) await settleUsage(session, `early-${i}`);

      // Other accounts' keys and in-flight reservations arrive, with no ANALYZE yet.
      await db().pool.transaction(async (tx) => {
        await tx.query(sql.unsafe`
          INSERT INTO api_keys (account_id, name, prefix, hash)
          SELECT a.id, 'k' || g, 'db-k', sha256(('k' || g)::bytea)
          FROM generate_series(1, ${ROWS}) g, (SELECT id FROM accounts LIMIT 1) a`);
        await tx.query(sql.unsafe`
          INSERT INTO api_key_reservations (request_id, key_id, tokens, micro_usd)
          SELECT 'open-' || k.name, k.id, 10, 10 FROM api_keys k WHERE k.name LIKE 'k%'`);
      });

      const tables = ["api_keys", "api_key_reservations", "api_key_rate_seconds"];
      const reads = await session.transaction(async (tx) => {
        await settleUsage(tx, "late");
        return sequentialReads(tx, tables);
      });
      for (const table of tables)
        expect(reads[table], `${table}: rows read sequentially`).to.be.below(100);
    });
  });
});
