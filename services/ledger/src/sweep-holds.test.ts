import { expect } from "chai";
import { sql } from "@darkbloom/db";
import { z } from "zod";
import { HoldSweeper } from "./hold-sweeper.js";
import { startLedgerHarness, type LedgerHarness } from "./ledger.test-harness.js";
import { setPrice } from "./prices.js";
import { sweepStuckHolds } from "./sweep-holds.js";
import { findUsage } from "./usage.js";

describe("stuck-hold sweep", function () {
  this.timeout(60_000);
  let harness: LedgerHarness | undefined;
  const h = (): LedgerHarness => {
    if (harness === undefined) throw new Error("before hook did not run");
    return harness;
  };
  const fund = async (accountId: string, amountMicroUsd: bigint): Promise<void> => {
    await h().client.credit({
      accountId,
      amountMicroUsd,
      reason: "deposit",
      idempotencyKey: accountId,
    });
  };
  const hold = (requestId: string, accountId: string): Promise<unknown> =>
    h().client.hold({
      requestId,
      accountId,
      model: "sweep-model",
      maxPromptTokens: 100,
      maxCompletionTokens: 1_000,
    });
  const ledgerSum = async (): Promise<bigint> =>
    h().db.pool.oneFirst(
      sql.type(z.object({ total: z.bigint() }))`
        SELECT coalesce(sum(amount_micro_usd), 0)::int8 AS total FROM ledger_entries`,
    );
  const settleTransactions = async (requestId: string): Promise<number> =>
    h().db.pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`
        SELECT count(*)::int4 AS n FROM ledger_transactions WHERE kind = 'settle' AND reference = ${requestId}`,
    );

  before(async () => {
    harness = await startLedgerHarness();
    // 1 micro-USD per input token, 3 per output token: a hold of 100 + 1000 tokens is 3,100.
    await setPrice(h().db.pool, "sweep-model", {
      inputMicroUsdPerMillion: 1_000_000n,
      outputMicroUsdPerMillion: 3_000_000n,
    });
  });
  after(async () => {
    await harness?.db.stop();
  });

  it("releases a hold that never settled once it is older than the sweep age", async () => {
    await fund("stuck-1", 10_000n);
    await hold("stuck-req-1", "stuck-1");
    expect(await h().client.getBalance({ accountId: "stuck-1" })).to.include({
      heldMicroUsd: 3_100n,
    });

    // a young hold is left alone
    expect(
      await sweepStuckHolds(h().db.pool, { olderThanMs: 3_600_000, maxPerSweep: 100 }),
    ).to.equal(0);
    expect(await h().client.getBalance({ accountId: "stuck-1" })).to.include({
      heldMicroUsd: 3_100n,
    });

    expect(await sweepStuckHolds(h().db.pool, { olderThanMs: 0, maxPerSweep: 100 })).to.equal(1);
    expect(await h().client.getBalance({ accountId: "stuck-1" })).to.include({
      balanceMicroUsd: 10_000n,
      heldMicroUsd: 0n,
      availableMicroUsd: 10_000n,
    });
    const usage = await findUsage(h().db.pool, "stuck-req-1", "stuck-1");
    expect(usage).to.include({ swept: true, costMicroUsd: 0n, releasedMicroUsd: 3_100n });
    expect(await ledgerSum()).to.equal(0n);
  });

  it("a settlement arriving after the sweep charges nothing and writes nothing (first one wins)", async () => {
    await fund("stuck-2", 10_000n);
    await hold("stuck-req-2", "stuck-2");
    await sweepStuckHolds(h().db.pool, { olderThanMs: 0, maxPerSweep: 100 });
    const late = await h().client.settle({
      requestId: "stuck-req-2",
      providerAccountId: "late-provider",
      usage: { promptTokens: 50, completionTokens: 500 },
    });
    expect(late).to.include({
      chargedMicroUsd: 0n,
      providerCreditMicroUsd: 0n,
      releasedMicroUsd: 3_100n,
    });
    expect(await h().client.getBalance({ accountId: "stuck-2" })).to.include({
      balanceMicroUsd: 10_000n,
    });
    expect(
      (await h().client.getBalance({ accountId: "provider:late-provider" })).balanceMicroUsd,
    ).to.equal(0n);
    expect(await settleTransactions("stuck-req-2")).to.equal(1);
  });

  it("never sweeps a hold that was settled, even when it is old", async () => {
    await fund("stuck-3", 10_000n);
    await hold("stuck-req-3", "stuck-3");
    await h().client.settle({
      requestId: "stuck-req-3",
      providerAccountId: "p3",
      usage: { promptTokens: 10, completionTokens: 10 },
    });
    expect(await sweepStuckHolds(h().db.pool, { olderThanMs: 0, maxPerSweep: 100 })).to.equal(0);
    expect(await findUsage(h().db.pool, "stuck-req-3", "stuck-3")).to.include({
      swept: false,
      costMicroUsd: 40n,
    });
  });

  it("concurrent sweeps (as on several replicas) and settlements release each hold exactly once", async function () {
    this.timeout(60_000);
    const consumers = Array.from({ length: 5 }, (_, i) => `race-c${i}`);
    for (const c of consumers) await fund(c, 1_000_000n);
    const ids = Array.from({ length: 60 }, (_, i) => `race-req-${i}`);
    await Promise.all(ids.map((id, i) => hold(id, consumers[i % consumers.length] ?? "")));
    // every third request also gets its real settlement, racing the sweeps
    const settles = ids
      .filter((_, i) => i % 3 === 0)
      .map((requestId) =>
        h().client.settle({
          requestId,
          providerAccountId: "race-provider",
          usage: { promptTokens: 100, completionTokens: 100 },
        }),
      );
    const sweeps = Array.from({ length: 4 }, () =>
      sweepStuckHolds(h().db.pool, { olderThanMs: 0, maxPerSweep: 1000 }),
    );
    const [swept] = await Promise.all([
      Promise.all(sweeps).then((counts) => counts.reduce((a, b) => a + b, 0)),
      Promise.all(settles),
    ]);
    const realSettles = await h().db.pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`
        SELECT count(*)::int4 AS n FROM ledger_settlements
        WHERE request_id LIKE 'race-req-%' AND NOT swept`,
    );
    expect(swept + realSettles).to.equal(ids.length);
    for (const id of ids) expect(await settleTransactions(id)).to.be.at.most(1);
    for (const c of consumers)
      expect((await h().client.getBalance({ accountId: c })).heldMicroUsd).to.equal(0n);
    // the provider earned exactly 95% of what the real settlements charged (400 each → 380)
    expect(
      (await h().client.getBalance({ accountId: "provider:race-provider" })).balanceMicroUsd,
    ).to.equal(BigInt(realSettles) * 380n);
    expect(await ledgerSum()).to.equal(0n);
  });

  it("HoldSweeper sweeps once at start and reports the count", async () => {
    await fund("stuck-4", 10_000n);
    await hold("stuck-req-4", "stuck-4");
    const counts: number[] = [];
    const sweeper = new HoldSweeper(h().db.pool, {
      olderThanMs: 0,
      maxPerSweep: 100,
      intervalMs: 60_000,
      onSwept: (n) => counts.push(n),
      onError: (err) => {
        throw err;
      },
    });
    try {
      await sweeper.start();
    } finally {
      await sweeper.close();
    }
    expect(counts).to.deep.equal([1]);
    expect((await h().client.getBalance({ accountId: "stuck-4" })).heldMicroUsd).to.equal(0n);
  });
});

describe("usage lookup", function () {
  this.timeout(60_000);
  let harness: LedgerHarness | undefined;
  before(async () => {
    harness = await startLedgerHarness(4);
  });
  after(async () => {
    await harness?.db.stop();
  });

  it("finds a settled request by its generation id as well as its request id, only for its account", async () => {
    const h = harness as LedgerHarness;
    await h.client.credit({
      accountId: "gen-c",
      amountMicroUsd: 1_000_000n,
      reason: "d",
      idempotencyKey: "gen-c",
    });
    await h.client.hold({
      requestId: "gen-req",
      accountId: "gen-c",
      model: "any",
      maxPromptTokens: 10,
      maxCompletionTokens: 10,
    });
    await h.client.settle({
      requestId: "gen-req",
      providerAccountId: "gen-p",
      usage: { promptTokens: 5, completionTokens: 5 },
      generationId: "chatcmpl-abc123",
    });
    const byRequest = await findUsage(h.db.pool, "gen-req", "gen-c");
    const byGeneration = await findUsage(h.db.pool, "chatcmpl-abc123", "gen-c");
    expect(byRequest).to.include({ requestId: "gen-req", generationId: "chatcmpl-abc123" });
    expect(byGeneration).to.deep.equal(byRequest);
    expect(await findUsage(h.db.pool, "chatcmpl-abc123", "someone-else")).to.equal(null);
    expect(await findUsage(h.db.pool, "chatcmpl-unknown", "gen-c")).to.equal(null);
  });
});
