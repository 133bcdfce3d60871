import { expect } from "chai";
import { Code, ConnectError } from "@connectrpc/connect";
import { sql } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { z } from "zod";
import { creditAccount } from "./credit.js";
import { placeHold } from "./hold.js";
import { ledgerMigrations } from "./migrations.js";
import type { SettlementFigures } from "./money.js";
import { setPrice } from "./prices.js";
import { applyReferralCode, referralCodeFor } from "./referrals.js";
import { settleHold } from "./settle.js";
import { SettlementQueue } from "./settlement-queue.js";

const totalRow = z.object({ total: z.bigint() });
const countRow = z.object({ n: z.number() });

describe("SettlementQueue (group commit)", function () {
  this.timeout(60_000);
  let database: TestDatabase | undefined;
  const db = (): TestDatabase => {
    if (database === undefined) throw new Error("before hook did not run");
    return database;
  };
  const hold = (requestId: string, accountId: string): Promise<bigint> =>
    db().pool.transaction((tx) =>
      placeHold(tx, {
        requestId,
        accountId,
        model: "queue-model",
        maxPromptTokens: 100,
        maxCompletionTokens: 1_000,
      }),
    );
  const settleInput = (requestId: string, providerAccountId = "queue-p") => ({
    requestId,
    providerAccountId,
    promptTokens: 40,
    completionTokens: 300,
  });
  const outcome = (settled: Promise<SettlementFigures>): Promise<SettlementFigures | Code> =>
    settled.catch((error: unknown) => ConnectError.from(error).code);
  const ledgerIsWhole = async (): Promise<void> => {
    const pool = db().pool;
    expect(
      await pool.oneFirst(sql.type(totalRow)`
        SELECT coalesce(sum(amount_micro_usd), 0)::int8 AS total FROM ledger_entries`),
    ).to.equal(0n);
    expect(
      await pool.oneFirst(sql.type(countRow)`
        SELECT count(*)::int4 AS n FROM ledger_accounts a WHERE a.balance_micro_usd <> (
          SELECT coalesce(sum(e.amount_micro_usd), 0) FROM ledger_entries e WHERE e.account = a.id)`),
    ).to.equal(0);
    expect(
      await pool.oneFirst(sql.type(countRow)`
        SELECT count(*)::int4 AS n FROM (SELECT transaction_id FROM ledger_entries
        GROUP BY transaction_id HAVING sum(amount_micro_usd) <> 0) u`),
    ).to.equal(0);
  };

  before(async () => {
    database = await startTestDatabase({ migrations: [ledgerMigrations] });
    // 1 micro-USD per input token, 3 per output token: a hold of 100 + 1000 tokens is 3,100.
    await setPrice(db().pool, "queue-model", {
      inputMicroUsdPerMillion: 1_000_000n,
      outputMicroUsdPerMillion: 3_000_000n,
    });
    for (const account of ["queue-c1", "queue-c2", "queue-ref"]) {
      await db().pool.transaction((tx) =>
        creditAccount(tx, {
          accountId: account,
          amountMicroUsd: 1_000_000n,
          reason: "deposit",
          idempotencyKey: account,
        }),
      );
    }
    await applyReferralCode(db().pool, "queue-c2", await referralCodeFor(db().pool, "queue-ref"));
  });
  after(async () => {
    await database?.stop();
  });

  it("writes settlements that arrive together in shared transactions, each with the figures and entries a lone settle writes", async () => {
    const batches: number[] = [];
    const queue = new SettlementQueue(db().pool, {
      referralSharePercent: 20,
      maxBatch: 16,
      onBatch: (size) => batches.push(size),
    });
    const ids = Array.from({ length: 40 }, (_, i) => `batched-${i}`);
    for (const [i, id] of ids.entries()) await hold(id, i % 2 === 0 ? "queue-c1" : "queue-c2");
    await hold("alone", "queue-c2");

    const figures = await Promise.all(ids.map((id) => queue.settle(settleInput(id))));
    const alone = await db().pool.transaction((tx) =>
      settleHold(tx, settleInput("alone"), { referralSharePercent: 20 }),
    );

    expect(batches.reduce((a, b) => a + b, 0)).to.equal(ids.length);
    expect(Math.max(...batches)).to.equal(16, "settlements arriving together share a batch");
    // 40 prompt + 300 completion tokens = 940 micro-USD: 893 to the provider, 47 platform fee.
    for (const f of [...figures, alone]) {
      expect(f).to.deep.equal({
        chargedMicroUsd: 940n,
        providerCreditMicroUsd: 893n,
        platformFeeMicroUsd: 47n,
        releasedMicroUsd: 2_160n,
      });
    }
    // Each request keeps its own ledger transaction, with the entries a lone settle writes.
    const entriesOf = (requestId: string) =>
      db().pool.any(sql.type(z.object({ account: z.string(), amount_micro_usd: z.bigint() }))`
        SELECT e.account, e.amount_micro_usd FROM ledger_entries e
        JOIN ledger_transactions t ON t.id = e.transaction_id
        WHERE t.kind = 'settle' AND t.reference = ${requestId} ORDER BY e.account`);
    const shape = (rows: readonly { account: string; amount_micro_usd: bigint }[]) =>
      rows.map(
        (row) =>
          `${row.account.replace(/^(consumer|hold):queue-c\d/, "$1:c")} ${row.amount_micro_usd}`,
      );
    expect(shape(await entriesOf("batched-1"))).to.deep.equal(shape(await entriesOf("alone")));
    expect(shape(await entriesOf("batched-1"))).to.include("consumer:queue-ref 9");
    expect(shape(await entriesOf("batched-0"))).not.to.include("consumer:queue-ref 9");
    expect(
      await db().pool.oneFirst(sql.type(countRow)`
        SELECT count(DISTINCT transaction_id)::int4 AS n FROM ledger_settlements
        WHERE request_id LIKE 'batched-%'`),
    ).to.equal(ids.length);
    await ledgerIsWhole();
  });

  it("settles a request once when its settle arrives twice in one burst, the second replaying the first", async () => {
    const queue = new SettlementQueue(db().pool, { referralSharePercent: 0, maxBatch: 64 });
    await hold("twice", "queue-c1");
    await hold("twice-other", "queue-c1");
    const [first, other, second] = await Promise.all([
      queue.settle(settleInput("twice")),
      queue.settle(settleInput("twice-other")),
      queue.settle({ ...settleInput("twice"), completionTokens: 900 }),
    ]);
    expect(second).to.deep.equal(first);
    expect(other.chargedMicroUsd).to.equal(940n);
    expect(
      await db().pool.oneFirst(sql.type(countRow)`
        SELECT count(*)::int4 AS n FROM ledger_transactions WHERE kind = 'settle' AND reference = 'twice'`),
    ).to.equal(1);
    await ledgerIsWhole();
  });

  it("fails only the settlements that cannot be made; the rest of their batch settles", async () => {
    const queue = new SettlementQueue(db().pool, { referralSharePercent: 0, maxBatch: 64 });
    const ids = ["mixed-0", "mixed-1", "mixed-2", "mixed-3", "mixed-4"];
    for (const id of ids) await hold(id, "queue-c1");
    const outcomes = await Promise.all([
      outcome(queue.settle(settleInput("mixed-0"))),
      outcome(queue.settle(settleInput("mixed-1"))),
      // Refused by the plan: usage charged but nobody to pay.
      outcome(queue.settle(settleInput("mixed-2", ""))),
      outcome(queue.settle(settleInput("no-such-hold"))),
      // Refused by Postgres itself (text cannot hold NUL): the whole batch statement fails, so
      // its settlements are retried one by one.
      outcome(queue.settle(settleInput("mixed-3", "bad\u0000provider"))),
      outcome(queue.settle(settleInput("mixed-4"))),
    ]);
    expect(outcomes.map((o) => (typeof o === "object" ? o.chargedMicroUsd : o))).to.deep.equal([
      940n,
      940n,
      Code.InvalidArgument,
      Code.NotFound,
      Code.Unknown,
      940n,
    ]);
    expect(
      await db().pool.anyFirst(sql.type(z.object({ request_id: z.string() }))`
        SELECT request_id FROM ledger_settlements WHERE request_id LIKE 'mixed-%' ORDER BY 1`),
    ).to.deep.equal(["mixed-0", "mixed-1", "mixed-4"]);
    await ledgerIsWhole();
  });

  it("the database refuses entries for an unknown account and keeps posted accounts and transactions", async () => {
    const refusal = (work: () => Promise<unknown>): Promise<string> =>
      work().then(
        () => "accepted",
        (error: unknown) =>
          error instanceof Error && error.cause instanceof Error
            ? error.cause.message
            : String(error),
      );
    const unknownAccount = await refusal(() =>
      db().pool.transaction(async (tx) => {
        const id = await tx.oneFirst(sql.type(z.object({ id: z.bigint() }))`
          INSERT INTO ledger_transactions (kind, reference) VALUES ('credit', 'nowhere') RETURNING id`);
        await tx.query(sql.unsafe`
          INSERT INTO ledger_entries (transaction_id, account, amount_micro_usd)
          VALUES (${id}, 'platform:stripe_clearing', -5), (${id}, 'consumer:nobody', 5)`);
      }),
    );
    expect(unknownAccount).to.include("account that does not exist");
    expect(
      await refusal(() =>
        db().pool.query(sql.unsafe`DELETE FROM ledger_accounts WHERE id = 'consumer:queue-c1'`),
      ),
    ).to.include("has entries");
    expect(
      await refusal(() =>
        db().pool.query(sql.unsafe`DELETE FROM ledger_transactions WHERE reference = 'twice'`),
      ),
    ).to.include("has entries");
    await ledgerIsWhole();
  });
});
