import { expect } from "chai";
import { sql, type DatabasePoolConnection } from "@darkbloom/db";
import { sequentialReads, startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { z } from "zod";
import { ledgerMigrations } from "./migrations.js";

const idRow = z.object({ id: z.bigint() });

/**
 * A pooled session keeps the plans of the settlement statements it made first (plpgsql caches
 * them; the batch functions force generic plans). A coordinator's sessions make them while its
 * ledger is still small, until autovacuum's next ANALYZE, and a plan chosen for a table of a few
 * rows (a hash join over a sequential scan) read the whole of ledger_entries, ledger_transactions
 * and ledger_settlements at every batch: Postgres CPU per settlement grew with the ledger (21 ms
 * per batch at 50,000 settlements). The statements look rows up by key whatever the statistics.
 */
describe("settlement batches on a session that planned while the ledger was empty", function () {
  this.timeout(120_000);
  const LEDGER_ROWS = 30_000;
  let database: TestDatabase | undefined;
  const db = (): TestDatabase => {
    if (database === undefined) throw new Error("before hook did not run");
    return database;
  };

  before(async () => {
    database = await startTestDatabase({ migrations: [ledgerMigrations] });
    await db().pool.query(sql.unsafe`
      INSERT INTO ledger_accounts (id, allow_negative)
      VALUES ('provider:plans', false), ('consumer:plans', true)`);
  });
  after(async () => {
    await database?.stop();
  });

  /** One settlement's statements as a batch runs them: the begin, a balanced transaction posted. */
  const settleOne = async (session: DatabasePoolConnection, reference: string): Promise<void> => {
    await session.transaction(async (tx) => {
      await tx.query(sql.unsafe`
        SELECT * FROM ledger_settle_batch_begin(
          ARRAY['plans-1', 'plans-2', 'plans-3']::text[], '{}'::text[], '{}'::text[],
          '{}'::text[], '{}'::int8[], '{}'::int8[], '{}'::int8[], '{}'::text[], '{}'::text[],
          '{}'::int8[], '{}'::text[], '{}'::text[], '{}'::text[], '{}'::text[], '{}'::text[],
          '{}'::text[], '{}'::text[])`);
      const id = await tx.oneFirst(sql.type(idRow)`
        INSERT INTO ledger_transactions (kind, reference) VALUES ('settle', ${reference})
        RETURNING id`);
      await tx.query(sql.unsafe`
        INSERT INTO ledger_entries (transaction_id, account, amount_micro_usd)
        VALUES (${id}, 'consumer:plans', -7), (${id}, 'provider:plans', 7)`);
    });
  };

  it("reads a few rows per batch, not the whole ledger, after the ledger has grown", async () => {
    await db().pool.connect(async (session) => {
      for (let i = 0; i < 6; i++) await settleOne(session, `early-${i}`);

      // The ledger grows behind the session's back (other sessions), with no ANALYZE yet.
      await db().pool.transaction(async (tx) => {
        await tx.query(sql.unsafe`
          INSERT INTO ledger_transactions (kind, reference)
          SELECT 'settle', 'plans-' || g FROM generate_series(1, ${LEDGER_ROWS}) g`);
        await tx.query(sql.unsafe`
          INSERT INTO ledger_entries (transaction_id, account, amount_micro_usd)
          SELECT t.id, x.account, x.amount FROM ledger_transactions t
          CROSS JOIN (VALUES ('consumer:plans', -5::int8), ('provider:plans', 5::int8))
            AS x(account, amount)
          WHERE t.reference LIKE 'plans-%' ORDER BY t.id, x.account`);
        await tx.query(sql.unsafe`
          INSERT INTO ledger_holds (request_id, consumer_id, model,
            input_micro_usd_per_million, output_micro_usd_per_million, held_micro_usd)
          SELECT t.reference, 'plans', 'plans-model', 1, 1, 10 FROM ledger_transactions t
          WHERE t.reference LIKE 'plans-%'`);
        await tx.query(sql.unsafe`
          INSERT INTO ledger_settlements (request_id, provider_id, prompt_tokens,
            completion_tokens, input_micro_usd_per_million, output_micro_usd_per_million,
            charged_micro_usd, provider_credit_micro_usd, platform_fee_micro_usd,
            released_micro_usd, transaction_id)
          SELECT t.reference, 'plans', 1, 1, 1, 1, 5, 5, 0, 5, t.id FROM ledger_transactions t
          WHERE t.reference LIKE 'plans-%'`);
      });

      const tables = ["ledger_entries", "ledger_transactions", "ledger_settlements"];
      const reads = await session.transaction(async (tx) => {
        await settleOne(tx, "late");
        return sequentialReads(tx, tables);
      });
      for (const table of tables)
        expect(reads[table], `${table}: rows read sequentially`).to.be.below(100);
    });
  });
});
