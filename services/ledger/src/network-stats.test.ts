import { expect } from "chai";
import { sql } from "@darkbloom/db";
import { startLedgerHarness, type LedgerHarness } from "./ledger.test-harness.js";
import { tokensServedToday } from "./network-stats.js";

describe("tokensServedToday", () => {
  let harness: LedgerHarness | undefined;
  const h = (): LedgerHarness => {
    if (harness === undefined) throw new Error("before hook did not run");
    return harness;
  };
  before(async () => {
    harness = await startLedgerHarness();
  });
  after(async () => {
    await harness?.db.stop();
  });

  async function settle(requestId: string, promptTokens: number, completionTokens: number) {
    await h().client.credit({
      accountId: `c-${requestId}`,
      amountMicroUsd: 1_000_000n,
      reason: "deposit",
      idempotencyKey: `dep-${requestId}`,
    });
    await h().client.hold({
      requestId,
      accountId: `c-${requestId}`,
      model: "m",
      maxPromptTokens: 100,
      maxCompletionTokens: 100,
    });
    await h().client.settle({
      requestId,
      providerAccountId: "p1",
      usage: { promptTokens, completionTokens },
    });
  }

  it("is zero on an empty ledger and starts at today's UTC midnight", async () => {
    const none = await tokensServedToday(h().db.pool);
    expect(none.promptTokens).to.equal(0n);
    expect(none.completionTokens).to.equal(0n);
    expect(none.sinceMs % 86_400_000).to.equal(0);
    expect(none.sinceMs).to.be.at.most(Date.now());
  });

  it("sums today's settlements and leaves out yesterday's", async () => {
    await settle("today-1", 10, 5);
    await settle("today-2", 7, 3);
    await settle("yesterday", 50, 50);
    await h().db.pool.query(sql.unsafe`
      UPDATE ledger_settlements SET created_at = now() - interval '2 days' WHERE request_id = 'yesterday'`);
    const today = await tokensServedToday(h().db.pool);
    expect(today.promptTokens).to.equal(17n);
    expect(today.completionTokens).to.equal(8n);
  });
});
