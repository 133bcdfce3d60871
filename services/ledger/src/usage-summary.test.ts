import { expect } from "chai";
import { sql } from "@darkbloom/db";
import { listBillingHistory } from "./billing-history.js";
import { startLedgerHarness, type LedgerHarness } from "./ledger.test-harness.js";
import { summarizeUsage } from "./usage-summary.js";

const DAY = 86_400_000;

describe("usage summary by key and model, and billing history", () => {
  let harness: LedgerHarness | undefined;
  const h = (): LedgerHarness => {
    if (harness === undefined) throw new Error("before hook did not run");
    return harness;
  };
  const window = () => ({ sinceMs: Date.now() - 30 * DAY, untilMs: Date.now() + 60_000 });

  before(async () => {
    harness = await startLedgerHarness();
    for (const account of ["alice", "bob"]) {
      await h().client.credit({
        accountId: account,
        amountMicroUsd: 10_000_000n,
        reason: "invite credit",
        idempotencyKey: `invite:${account}`,
      });
    }
  });
  after(async () => {
    await harness?.db.stop();
  });

  let n = 0;
  async function serve(account: string, apiKeyId: string, model: string, tokens: number) {
    const requestId = `r-${++n}`;
    await h().client.hold({
      requestId,
      accountId: account,
      model,
      maxPromptTokens: 100,
      maxCompletionTokens: 100,
      apiKeyId,
    });
    await h().client.settle({
      requestId,
      providerAccountId: "p1",
      usage: { promptTokens: tokens, completionTokens: tokens },
    });
    return requestId;
  }

  it("sums an account's requests by key and model, biggest spend first, with daily totals", async () => {
    await serve("alice", "key-a", "small", 10);
    await serve("alice", "key-a", "small", 20);
    await serve("alice", "key-b", "small", 5);
    await serve("alice", "key-a", "big", 40);
    await serve("alice", "", "small", 1); // a console session: no key
    const old = await serve("alice", "key-a", "small", 99);
    await h().db.pool.query(sql.unsafe`
      UPDATE ledger_settlements SET created_at = now() - interval '40 days' WHERE request_id = ${old}`);

    const summary = await summarizeUsage(h().db.pool, "alice", window(), { limit: 10, cursor: "" });
    const rows = summary.groups.map((g) => [g.apiKeyId, g.model, g.requests, g.promptTokens]);
    expect(rows).to.deep.equal([
      ["key-a", "big", 1n, 40n],
      ["key-a", "small", 2n, 30n],
      ["key-b", "small", 1n, 5n],
      ["", "small", 1n, 1n],
    ]);
    expect((summary.groups[0]?.costMicroUsd ?? 0n) > 0n).to.equal(true);
    expect(summary.totals.requests).to.equal(5n);
    expect(summary.totals.promptTokens).to.equal(76n);
    expect(summary.totals.costMicroUsd).to.equal(
      summary.groups.reduce((sum, g) => sum + g.costMicroUsd, 0n),
    );
    expect(summary.days).to.have.length(1);
    expect(summary.days[0]?.dayMs).to.equal(Math.floor(Date.now() / DAY) * DAY);
    expect(summary.days[0]?.requests).to.equal(5n);
    expect(summary.nextCursor).to.equal("");
  });

  it("pages the groups", async () => {
    const first = await summarizeUsage(h().db.pool, "alice", window(), { limit: 3, cursor: "" });
    expect(first.groups).to.have.length(3);
    expect(first.nextCursor).to.equal("3");
    const second = await summarizeUsage(h().db.pool, "alice", window(), {
      limit: 3,
      cursor: first.nextCursor,
    });
    expect(second.groups.map((g) => g.apiKeyId)).to.deep.equal([""]);
    expect(second.nextCursor).to.equal("");
  });

  it("never shows another account's requests, even under the same key id", async () => {
    await serve("bob", "key-a", "small", 7);
    const bob = await summarizeUsage(h().db.pool, "bob", window(), { limit: 10, cursor: "" });
    expect(bob.groups.map((g) => [g.apiKeyId, g.requests])).to.deep.equal([["key-a", 1n]]);
    const alice = await summarizeUsage(h().db.pool, "alice", window(), { limit: 10, cursor: "" });
    expect(alice.totals.requests).to.equal(5n);
    const nobody = await summarizeUsage(h().db.pool, "carol", window(), { limit: 10, cursor: "" });
    expect(nobody.groups).to.deep.equal([]);
    expect(nobody.totals.requests).to.equal(0n);
  });

  it("lists credits and Checkout deposits (credited, pending, flagged) of the account only", async () => {
    const insertSession = (id: string, account: string, flagged: string | null) =>
      h().db.pool.query(sql.unsafe`
        INSERT INTO stripe_checkout_sessions (session_id, account_id, amount_micro_usd, flagged_reason)
        VALUES (${id}, ${account}, 5000000, ${flagged})`);
    await insertSession("cs_paid", "alice", null);
    await h().client.credit({
      accountId: "alice",
      amountMicroUsd: 5_000_000n,
      reason: "Stripe Checkout deposit",
      idempotencyKey: "stripe:checkout:cs_paid",
    });
    await insertSession("cs_open", "alice", null);
    await insertSession("cs_odd", "alice", "checkout amount mismatch");
    await insertSession("cs_bob", "bob", null);

    const page = await listBillingHistory(h().db.pool, "alice", { limit: 10, cursor: "" });
    const seen = page.entries.map((e) => [e.kind, e.status, e.checkoutSessionId, e.amountMicroUsd]);
    expect(seen).to.have.deep.members([
      ["deposit", "credited", "cs_paid", 5_000_000n],
      ["deposit", "pending", "cs_open", 5_000_000n],
      ["deposit", "flagged", "cs_odd", 5_000_000n],
      ["credit", "credited", "", 10_000_000n],
    ]);
    expect(JSON.stringify(page.entries, (_k, v: unknown) => String(v))).not.to.contain("cs_bob");
    const first = await listBillingHistory(h().db.pool, "alice", { limit: 3, cursor: "" });
    expect(first.nextCursor).to.equal("3");
    const rest = await listBillingHistory(h().db.pool, "alice", { limit: 3, cursor: "3" });
    expect(rest.entries).to.have.length(1);
    expect(rest.nextCursor).to.equal("");
  });
});
