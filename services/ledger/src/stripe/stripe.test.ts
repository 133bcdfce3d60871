import { Code, ConnectError } from "@connectrpc/connect";
import type { FakeStripe } from "@darkbloom/testing";
import { expect } from "chai";
import type { LedgerHarness } from "../ledger.test-harness.js";
import { readBalance } from "../balance.js";
import { createCheckoutSession } from "./checkout.js";
import { payoutBalance, requestPayout, setPayoutAccount } from "./payouts.js";
import { handleStripeWebhook } from "./webhook.js";
import { startStripeTestEnv, type StripeTestEnv } from "./stripe.test-harness.js";

const WEBHOOK_SECRET = "whsec_test_secret";

describe("Stripe deposits and Connect payouts (real stripe client, fake Stripe server)", () => {
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

  const balance = async (accountId: string): Promise<bigint> =>
    (await readBalance(h().db.pool, accountId)).availableMicroUsd;

  it("creates a Checkout Session for the amount and credits it once when the signed webhook arrives, even when replayed", async () => {
    const session = await createCheckoutSession(h().db.pool, e().settings, {
      accountId: "dep-1",
      amountMicroUsd: 25_000_000n,
    });
    expect(session.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/c\/pay\/cs_test_/);
    expect(stripeFake().sessions.get(session.sessionId)?.amount_total).to.equal(2_500);
    const sent = await stripeFake().payCheckout(session.sessionId, e().webhookUrl);
    expect(sent.status).to.equal(200);
    expect(JSON.parse(sent.body)).to.include({ handled: true, type: "checkout.session.completed" });
    expect(await balance("dep-1")).to.equal(25_000_000n);

    const replay = await stripeFake().resendEvent(sent.eventId, e().webhookUrl);
    expect(replay.status).to.equal(200);
    expect(JSON.parse(replay.body)).to.include({ handled: false });
    // A second event about the same session (Stripe sends async_payment_succeeded too) adds nothing.
    const session2 = stripeFake().sessions.get(session.sessionId);
    if (session2 === undefined) throw new Error("session vanished");
    const other = await stripeFake().sendEvent(
      "checkout.session.async_payment_succeeded",
      session2,
      e().webhookUrl,
    );
    expect(JSON.parse(other.body)).to.include({ handled: true });
    expect(await balance("dep-1")).to.equal(25_000_000n);
  });

  it("refuses a webhook signed with another secret and one whose body was altered, crediting nothing", async () => {
    const session = await createCheckoutSession(h().db.pool, e().settings, {
      accountId: "dep-2",
      amountMicroUsd: 5_000_000n,
    });
    const object = {
      ...stripeFake().sessions.get(session.sessionId),
      id: session.sessionId,
      payment_status: "paid",
    };
    const forged = await stripeFake().sendEvent(
      "checkout.session.completed",
      object,
      e().webhookUrl,
      "whsec_wrong",
    );
    expect(forged.status).to.equal(400);
    const payload = JSON.stringify({
      id: "evt_x",
      type: "checkout.session.completed",
      data: { object },
    });
    const signature = stripeFake().signature(payload);
    const failure = (work: Promise<unknown>): Promise<string> =>
      work.then(
        () => "resolved",
        (error: unknown) => ConnectError.from(error).rawMessage,
      );
    const altered = Buffer.from(payload.replace("dep-2", "dep-3"));
    expect(
      await failure(handleStripeWebhook(h().db.pool, e().settings, altered, signature)),
    ).to.equal("invalid Stripe signature");
    const stale = stripeFake().signature(payload, WEBHOOK_SECRET, 1_000);
    expect(
      await failure(handleStripeWebhook(h().db.pool, e().settings, Buffer.from(payload), stale)),
    ).to.equal("invalid Stripe signature");
    expect(await balance("dep-2")).to.equal(0n);
  });

  it("refuses deposits outside $1–$10,000 or in fractions of a cent", async () => {
    for (const amountMicroUsd of [999_999n, 10_000_010_000n, 1_000_001n]) {
      const error = await createCheckoutSession(h().db.pool, e().settings, {
        accountId: "dep-4",
        amountMicroUsd,
      }).catch((e: unknown) => ConnectError.from(e));
      expect((error as ConnectError).code).to.equal(Code.InvalidArgument);
    }
  });

  const earn = async (providerId: string, amount: bigint): Promise<void> => {
    await h().client.credit({
      accountId: `c-${providerId}`,
      amountMicroUsd: amount * 2n,
      reason: "t",
      idempotencyKey: `c-${providerId}`,
    });
    // A price of exactly 1 micro-USD per token: 1,000,000 output tokens cost amount.
    await h().client.hold({
      requestId: `r-${providerId}`,
      accountId: `c-${providerId}`,
      model: "default",
      maxPromptTokens: 0,
      maxCompletionTokens: Number(amount / 1_500_000n) * 1_000_000,
    });
    await h().client.settle({
      requestId: `r-${providerId}`,
      providerAccountId: providerId,
      usage: { promptTokens: 0, completionTokens: Number(amount / 1_500_000n) * 1_000_000 },
    });
  };

  it("pays out the withdrawable balance (earnings minus the minimum) by Transfer and credits it back when Stripe reverses it", async () => {
    await earn("prov-a", 15_000_000n); // 15 USD charged → 14.25 USD earned
    const destination = stripeFake().createConnectedAccount();
    await setPayoutAccount(h().db.pool, "prov-a", destination);
    const minimum = 1_000_000n;
    expect(await payoutBalance(h().db.pool, "prov-a", minimum)).to.deep.equal({
      earningsMicroUsd: 14_250_000n,
      pendingMicroUsd: 0n,
      minimumMicroUsd: minimum,
      withdrawableMicroUsd: 13_250_000n,
    });
    const tooMuch = await requestPayout(h().db.pool, e().settings, {
      accountId: "prov-a",
      amountMicroUsd: 13_260_000n,
      minimumMicroUsd: minimum,
    }).catch((e: unknown) => ConnectError.from(e));
    expect((tooMuch as ConnectError).code).to.equal(Code.FailedPrecondition);

    const payout = await requestPayout(h().db.pool, e().settings, {
      accountId: "prov-a",
      amountMicroUsd: 13_250_000n,
      minimumMicroUsd: minimum,
    });
    expect(payout.status).to.equal("paid");
    const transfer = stripeFake().transfers.get(payout.stripeTransferId ?? "");
    expect(transfer).to.include({ amount: 1_325, destination, currency: "usd" });
    expect((await payoutBalance(h().db.pool, "prov-a", minimum)).earningsMicroUsd).to.equal(
      1_000_000n,
    );

    const reversed = await stripeFake().reverseTransfer(
      payout.stripeTransferId ?? "",
      e().webhookUrl,
    );
    expect(JSON.parse(reversed.body)).to.include({ handled: true });
    await stripeFake().resendEvent(reversed.eventId, e().webhookUrl);
    expect((await payoutBalance(h().db.pool, "prov-a", minimum)).earningsMicroUsd).to.equal(
      14_250_000n,
    );
  });

  it("puts the amount back when Stripe refuses the transfer, and refuses payouts without a connected account", async () => {
    await earn("prov-b", 3_000_000n);
    const noAccount = await requestPayout(h().db.pool, e().settings, {
      accountId: "prov-b",
      amountMicroUsd: 1_000_000n,
      minimumMicroUsd: 0n,
    }).catch((e: unknown) => ConnectError.from(e));
    expect((noAccount as ConnectError).code).to.equal(Code.FailedPrecondition);
    const destination = stripeFake().createConnectedAccount();
    stripeFake().failTransfersTo(destination);
    await setPayoutAccount(h().db.pool, "prov-b", destination);
    const failed = await requestPayout(h().db.pool, e().settings, {
      accountId: "prov-b",
      amountMicroUsd: 1_000_000n,
      minimumMicroUsd: 0n,
    }).catch((e: unknown) => ConnectError.from(e));
    expect((failed as ConnectError).code).to.equal(Code.Unavailable);
    expect(await payoutBalance(h().db.pool, "prov-b", 0n)).to.include({
      earningsMicroUsd: 2_850_000n,
      pendingMicroUsd: 0n,
    });
  });
});
