import { expect } from "chai";
import { sql } from "@darkbloom/db";
import { z } from "zod";
import { isInsufficientBalance } from "./ledger-errors.js";
import { startLedgerHarness, type LedgerHarness } from "./ledger.test-harness.js";
import { setPrice } from "./prices.js";

const rowCount = z.object({ n: z.bigint() });

describe("ledger invariants", () => {
  let harness: LedgerHarness | undefined;
  const h = (): LedgerHarness => {
    if (harness === undefined) throw new Error("before hook did not run");
    return harness;
  };
  const rejects = async (work: () => Promise<unknown>): Promise<string> => {
    try {
      await work();
    } catch (error) {
      // Slonik wraps the server error; keep both messages and the constraint name.
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
      const constraint =
        error instanceof Error && "constraint" in error ? String(error.constraint) : "";
      return `${String(error)} | ${cause} | ${constraint}`;
    }
    return "resolved";
  };

  before(async () => {
    harness = await startLedgerHarness(16);
  });
  after(async () => {
    await harness?.db.stop();
  });

  it("the database rejects a transaction whose entries do not sum to zero", async () => {
    await h().client.credit({
      accountId: "seed",
      amountMicroUsd: 1_000n,
      reason: "deposit",
      idempotencyKey: "seed",
    });
    const error = await rejects(() =>
      h().db.pool.transaction(async (tx) => {
        const id = await tx.oneFirst(sql.type(z.object({ id: z.bigint() }))`
          INSERT INTO ledger_transactions (kind, reference) VALUES ('credit', 'by hand') RETURNING id`);
        await tx.query(sql.unsafe`
          INSERT INTO ledger_entries (transaction_id, account, amount_micro_usd)
          VALUES (${id}, 'platform:stripe_clearing', -5), (${id}, 'consumer:seed', 4)`);
      }),
    );
    expect(error).to.include("unbalanced by -1");
    expect((await h().client.getBalance({ accountId: "seed" })).balanceMicroUsd).to.equal(1_000n);
  });

  it("the database rejects balances changed without entries, edited entries and overdrafts", async () => {
    expect(
      await rejects(() =>
        h().db.pool.query(
          sql.unsafe`UPDATE ledger_accounts SET balance_micro_usd = 1 WHERE id = 'consumer:seed'`,
        ),
      ),
    ).to.include("only through ledger entries");
    expect(
      await rejects(() =>
        h().db.pool.query(sql.unsafe`UPDATE ledger_entries SET amount_micro_usd = 2`),
      ),
    ).to.include("append-only");
    const overdraft = await rejects(() =>
      h().db.pool.transaction(async (tx) => {
        const id = await tx.oneFirst(sql.type(z.object({ id: z.bigint() }))`
          INSERT INTO ledger_transactions (kind, reference) VALUES ('credit', 'overdraft') RETURNING id`);
        await tx.query(sql.unsafe`
          INSERT INTO ledger_entries (transaction_id, account, amount_micro_usd)
          VALUES (${id}, 'consumer:seed', -1001), (${id}, 'platform:revenue', 1001)`);
      }),
    );
    expect(overdraft).to.include("ledger_accounts_not_negative");
  });

  it("300 concurrent hold+settle across 10 consumers and 5 providers sum to zero and split 95/5 exactly", async function () {
    this.timeout(60_000);
    const { client, db } = h();
    await setPrice(db.pool, "m-a", {
      inputMicroUsdPerMillion: 1_000_000n,
      outputMicroUsdPerMillion: 3_000_000n,
    });
    await setPrice(db.pool, "m-b", {
      inputMicroUsdPerMillion: 333_333n,
      outputMicroUsdPerMillion: 777_777n,
    });
    const consumers = Array.from({ length: 10 }, (_, i) => `load-c${i}`);
    const providers = Array.from({ length: 5 }, (_, i) => `load-p${i}`);
    const deposit = 40_000n; // tight enough that some holds are refused
    await Promise.all(
      consumers.map((c) =>
        client.credit({
          accountId: c,
          amountMicroUsd: deposit,
          reason: "deposit",
          idempotencyKey: `load-${c}`,
        }),
      ),
    );

    let seed = 12345;
    const next = (bound: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % bound;
    };
    const plans = Array.from({ length: 300 }, (_, i) => {
      const maxPrompt = 50 + next(500);
      const maxCompletion = 50 + next(1_000);
      return {
        requestId: `load-${i}`,
        consumer: consumers[next(consumers.length)] ?? "",
        provider: providers[next(providers.length)] ?? "",
        model: next(2) === 0 ? "m-a" : "m-b",
        maxPrompt,
        maxCompletion,
        usage:
          i % 17 === 0
            ? { promptTokens: 0, completionTokens: 0 }
            : { promptTokens: next(maxPrompt + 1), completionTokens: next(maxCompletion + 1) },
      };
    });
    const outcomes = await Promise.all(
      plans.map(async (plan) => {
        try {
          await client.hold({
            requestId: plan.requestId,
            accountId: plan.consumer,
            model: plan.model,
            maxPromptTokens: plan.maxPrompt,
            maxCompletionTokens: plan.maxCompletion,
          });
        } catch (error) {
          if (isInsufficientBalance(error)) return undefined;
          throw error;
        }
        const settled = await client.settle({
          requestId: plan.requestId,
          providerAccountId: plan.provider,
          usage: plan.usage,
        });
        return { plan, settled };
      }),
    );
    const done = outcomes.filter((outcome) => outcome !== undefined);
    expect(done.length).to.be.greaterThan(100);

    const sumOf = (values: readonly bigint[]): bigint => values.reduce((a, b) => a + b, 0n);
    expect(
      await db.pool.oneFirst(
        sql.type(
          z.object({ total: z.bigint() }),
        )`SELECT coalesce(sum(amount_micro_usd), 0)::int8 AS total FROM ledger_entries`,
      ),
    ).to.equal(0n);
    expect(
      await db.pool.oneFirst(sql.type(rowCount)`
      SELECT count(*) AS n FROM ledger_accounts WHERE NOT allow_negative AND balance_micro_usd < 0`),
    ).to.equal(0n);
    expect(
      await db.pool.oneFirst(sql.type(rowCount)`
      SELECT count(*) AS n FROM ledger_accounts a
      WHERE a.balance_micro_usd <> (SELECT coalesce(sum(amount_micro_usd), 0) FROM ledger_entries e WHERE e.account = a.id)`),
    ).to.equal(0n);

    const charged = sumOf(done.map((d) => d.settled.chargedMicroUsd));
    const exactProviderShare = sumOf(done.map((d) => (d.settled.chargedMicroUsd * 95n) / 100n));
    for (const d of done) {
      expect(d.settled.providerCreditMicroUsd + d.settled.platformFeeMicroUsd).to.equal(
        d.settled.chargedMicroUsd,
      );
    }
    const providerBalances = await Promise.all(
      providers.map((p) => client.getBalance({ accountId: `provider:${p}` })),
    );
    expect(sumOf(providerBalances.map((b) => b.balanceMicroUsd))).to.equal(exactProviderShare);
    for (const [index, provider] of providers.entries()) {
      const expected = sumOf(
        done
          .filter((d) => d.plan.provider === provider)
          .map((d) => d.settled.providerCreditMicroUsd),
      );
      expect(providerBalances[index]?.balanceMicroUsd).to.equal(expected);
    }
    const revenue = await client.getBalance({ accountId: "platform:revenue" });
    expect(revenue.balanceMicroUsd).to.equal(charged - exactProviderShare);
    for (const consumer of consumers) {
      const balance = await client.getBalance({ accountId: consumer });
      const spent = sumOf(
        done.filter((d) => d.plan.consumer === consumer).map((d) => d.settled.chargedMicroUsd),
      );
      expect(balance).to.include({ heldMicroUsd: 0n, balanceMicroUsd: deposit - spent });
    }
  });
});
