import { Code, ConnectError } from "@connectrpc/connect";
import { sql } from "@darkbloom/db";
import type { FakeStripe } from "@darkbloom/testing";
import { expect } from "chai";
import { z } from "zod";
import { readBalance } from "../balance.js";
import type { LedgerHarness } from "../ledger.test-harness.js";
import { createCheckoutSession } from "./checkout.js";
import { onboardConnectAccount } from "./connect.js";
import { retryPendingPayouts } from "./payout-transfer.js";
import { payoutBalance, requestPayout, setPayoutAccount } from "./payouts.js";
import { startStripeTestEnv, type StripeTestEnv } from "./stripe.test-harness.js";

const WEBHOOK_SECRET = "whsec_safety";

describe("Stripe safety: checkout cross-check, payout retries, Connect onboarding (fake Stripe)", function () {
  this.timeout(60_000);
  let env: StripeTestEnv | undefined;
  const e = (): StripeTestEnv => {
    if (env === undefined) throw new Error("before hook did not run");
    return env;
  };
  const h = (): LedgerHarness => e().harness;
  const stripeFake = (): FakeStripe => e().fake;

  before(async () => {
    env = await startStripeTestEnv(WEBHOOK_SECRET);
  });
  after(async () => env?.close());

  const available = async (accountId: string): Promise<bigint> =>
    (await readBalance(h().db.pool, accountId)).availableMicroUsd;
  const flagged = async (sessionId: string): Promise<string | null> =>
    h().db.pool.oneFirst(sql.type(z.object({ flagged_reason: z.string().nullable() }))`
      SELECT flagged_reason FROM stripe_checkout_sessions WHERE session_id = ${sessionId}`);
  const earn = async (providerId: string, amountMicroUsd: bigint): Promise<void> => {
    await h().client.credit({
      accountId: `c-${providerId}`,
      amountMicroUsd: amountMicroUsd * 2n,
      reason: "t",
      idempotencyKey: `c-${providerId}`,
    });
    const tokens = Number(amountMicroUsd / 1_500_000n) * 1_000_000;
    await h().client.hold({
      requestId: `r-${providerId}`,
      accountId: `c-${providerId}`,
      model: "default",
      maxPromptTokens: 0,
      maxCompletionTokens: tokens,
    });
    await h().client.settle({
      requestId: `r-${providerId}`,
      providerAccountId: providerId,
      usage: { promptTokens: 0, completionTokens: tokens },
    });
  };
  const code = (work: Promise<unknown>): Promise<[Code | "ok", string]> =>
    work.then(
      () => ["ok", ""],
      (e: unknown) => [ConnectError.from(e).code, ConnectError.from(e).rawMessage],
    );

  it("refuses to credit a paid session whose amount or currency differs from the session created, and flags it", async () => {
    for (const [accountId, change] of [
      ["mismatch-amount", { amount_total: 1_000_000 }],
      ["mismatch-currency", { currency: "eur" }],
    ] as const) {
      const session = await createCheckoutSession(h().db.pool, e().settings, {
        accountId,
        amountMicroUsd: 20_000_000n,
      });
      Object.assign(stripeFake().sessions.get(session.sessionId) ?? {}, change);
      const sent = await stripeFake().payCheckout(session.sessionId, e().webhookUrl);
      expect(sent.status).to.equal(200);
      const outcome = JSON.parse(sent.body) as { handled: boolean; flagged: string | null };
      expect(outcome.handled).to.equal(true);
      expect(outcome.flagged).to.match(/checkout amount mismatch/);
      expect(await available(accountId)).to.equal(0n);
      expect(await flagged(session.sessionId)).to.match(/created 20000000 micro-usd/);
    }
    const good = await createCheckoutSession(h().db.pool, e().settings, {
      accountId: "match",
      amountMicroUsd: 20_000_000n,
    });
    await stripeFake().payCheckout(good.sessionId, e().webhookUrl);
    expect(await available("match")).to.equal(20_000_000n);
    expect(await flagged(good.sessionId)).to.equal(null);
  });

  it("keeps a payout pending when Stripe answers 500, then pays it once with the same idempotency key on retry", async () => {
    await earn("retry-a", 3_000_000n); // 2.85 USD earned
    await setPayoutAccount(h().db.pool, "retry-a", stripeFake().createConnectedAccount());
    stripeFake().failNext("POST", "/v1/transfers", 1, "server_error");
    const transfersBefore = stripeFake().transfers.size;
    const pending = await requestPayout(h().db.pool, e().settings, {
      accountId: "retry-a",
      amountMicroUsd: 2_000_000n,
      minimumMicroUsd: 0n,
    });
    expect(pending).to.include({ status: "pending", attempts: 1, stripeTransferId: null });
    expect(await payoutBalance(h().db.pool, "retry-a", 0n)).to.include({
      earningsMicroUsd: 850_000n,
      pendingMicroUsd: 2_000_000n,
    });
    const [retried] = await retryPendingPayouts(h().db.pool, e().settings, {
      retryAfterMs: 0,
      maxAttempts: 5,
      maxPerSweep: 10,
    });
    expect(retried).to.include({ id: pending.id, status: "paid", attempts: 2 });
    expect(stripeFake().transfers.size).to.equal(transfersBefore + 1);
    expect(stripeFake().transfers.get(retried?.stripeTransferId ?? "")).to.include({ amount: 200 });
    expect(await payoutBalance(h().db.pool, "retry-a", 0n)).to.include({
      earningsMicroUsd: 850_000n,
      pendingMicroUsd: 0n,
    });
    // Nothing pending any more: another sweep touches nothing.
    expect(
      await retryPendingPayouts(h().db.pool, e().settings, {
        retryAfterMs: 0,
        maxAttempts: 5,
        maxPerSweep: 10,
      }),
    ).to.deep.equal([]);
  });

  it("marks a payout failed and returns the money after the last attempt fails on dropped connections", async () => {
    await earn("retry-b", 3_000_000n);
    await setPayoutAccount(h().db.pool, "retry-b", stripeFake().createConnectedAccount());
    // The stripe client retries a closed connection once by itself: two drops per attempt.
    stripeFake().failNext("POST", "/v1/transfers", 6, "disconnect");
    const options = { retryAfterMs: 0, maxAttempts: 3, maxPerSweep: 10 };
    const pending = await requestPayout(
      h().db.pool,
      e().settings,
      { accountId: "retry-b", amountMicroUsd: 1_000_000n, minimumMicroUsd: 0n },
      options,
    );
    expect(pending).to.include({ status: "pending", attempts: 1 });
    const second = await retryPendingPayouts(h().db.pool, e().settings, options);
    expect(second.map((p) => [p.status, p.attempts])).to.deep.equal([["pending", 2]]);
    const third = await retryPendingPayouts(h().db.pool, e().settings, options);
    expect(third.map((p) => [p.status, p.attempts])).to.deep.equal([["failed", 3]]);
    expect(await payoutBalance(h().db.pool, "retry-b", 0n)).to.include({
      earningsMicroUsd: 2_850_000n,
      pendingMicroUsd: 0n,
    });
  });

  it("onboards a provider to Stripe Connect, refuses payouts until Stripe reports payouts enabled, then pays", async () => {
    await earn("onboard-a", 3_000_000n);
    const first = await onboardConnectAccount(h().db.pool, e().settings, {
      accountId: "onboard-a",
    });
    expect(first.stripeAccountId).to.match(/^acct_/);
    expect(first.payoutsEnabled).to.equal(false);
    expect(first.url).to.match(new RegExp(`/setup/e/${first.stripeAccountId}/`));
    expect(stripeFake().accounts.get(first.stripeAccountId)).to.deep.include({
      type: "express",
      metadata: { darkbloom_account_id: "onboard-a" },
    });
    // A fresh link for the same connected account (the first one expired).
    const again = await onboardConnectAccount(h().db.pool, e().settings, {
      accountId: "onboard-a",
    });
    expect(again.stripeAccountId).to.equal(first.stripeAccountId);
    expect(again.url).to.not.equal(first.url);

    const payout = () =>
      requestPayout(h().db.pool, e().settings, {
        accountId: "onboard-a",
        amountMicroUsd: 1_000_000n,
        minimumMicroUsd: 0n,
      });
    const [refused, message] = await code(payout());
    expect(refused).to.equal(Code.FailedPrecondition);
    expect(message).to.match(/payouts are not enabled/);

    const updated = await stripeFake().completeOnboarding(first.stripeAccountId, e().webhookUrl);
    expect(JSON.parse(updated.body)).to.include({ handled: true, type: "account.updated" });
    expect(
      (await onboardConnectAccount(h().db.pool, e().settings, { accountId: "onboard-a" }))
        .payoutsEnabled,
    ).to.equal(true);
    expect(await payout()).to.include({ status: "paid" });
  });
});
