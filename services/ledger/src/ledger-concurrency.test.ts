// The "done when" test of the money issue: many settlements at once against real Postgres.
import { ConnectError } from "@connectrpc/connect";
import { sql } from "@darkbloom/db";
import { FakeStripe } from "@darkbloom/testing";
import { expect } from "chai";
import Stripe from "stripe";
import { z } from "zod";
import { isInsufficientBalance } from "./ledger-errors.js";
import { startLedgerHarness, type LedgerHarness } from "./ledger.test-harness.js";
import { costMicroUsd } from "./money.js";
import { setPrice } from "./prices.js";
import { applyReferralCode, referralCodeFor } from "./referrals.js";
import { createCheckoutSession } from "./stripe/checkout.js";
import type { StripeSettings } from "./stripe/stripe-settings.js";
import { handleStripeWebhook } from "./stripe/webhook.js";

const REQUESTS = 2_000;
const CONSUMERS = 50;
const PROVIDERS = 20;
const IN_FLIGHT = 32;
const REFERRAL_PERCENT = 20;
const PRICE = { inputMicroUsdPerMillion: 20_000_000n, outputMicroUsdPerMillion: 60_000_000n };
const WEBHOOK_SECRET = "whsec_concurrency";

type Planned = {
  requestId: string;
  consumer: string;
  provider: string;
  prompt: number;
  completion: number;
};

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T);
      }
    }),
  );
  return results;
}

describe("ledger under concurrency (2,000 settlements, 50 consumers, 20 providers)", function () {
  this.timeout(120_000);
  let harness: LedgerHarness | undefined;
  let fake: FakeStripe | undefined;
  const h = (): LedgerHarness => {
    if (harness === undefined) throw new Error("before hook did not run");
    return harness;
  };
  before(async () => {
    harness = await startLedgerHarness(16, { referralSharePercent: REFERRAL_PERCENT });
    fake = await FakeStripe.start({ webhookSecret: WEBHOOK_SECRET });
  });
  after(async () => {
    await fake?.close();
    await harness?.db.stop();
  });

  it("sums to zero, never overdraws, pays every provider exactly floor(95 %) per request, and ignores replays", async () => {
    if (fake === undefined) throw new Error("before hook did not run");
    const pool = h().db.pool;
    const stripe: StripeSettings = {
      client: new Stripe(fake.secretKey, fake.clientConfig()),
      webhookSecret: WEBHOOK_SECRET,
      checkoutSuccessUrl: "https://console.example/ok",
      checkoutCancelUrl: "https://console.example/no",
      connectReturnUrl: "https://console.example/onboarded",
      connectRefreshUrl: "https://console.example/onboard",
    };
    await setPrice(pool, "concurrent", PRICE);
    const consumers = Array.from({ length: CONSUMERS }, (_, i) => `consumer-${i}`);
    // Every fifth consumer was referred by its neighbour.
    for (let i = 0; i < CONSUMERS; i += 5) {
      await applyReferralCode(
        pool,
        consumers[i] ?? "",
        await referralCodeFor(pool, consumers[i + 1] ?? ""),
      );
    }
    // Deposits of $1–$3 through Checkout + signed webhooks: some consumers run dry.
    const webhooks = await inBatches(consumers, 8, async (consumer) => {
      const index = Number(consumer.split("-")[1]);
      const session = await createCheckoutSession(pool, stripe, {
        accountId: consumer,
        amountMicroUsd: BigInt(1 + (index % 3)) * 1_000_000n,
      });
      const object = {
        ...fake?.sessions.get(session.sessionId),
        id: session.sessionId,
        payment_status: "paid",
        status: "complete",
      };
      const payload = JSON.stringify({
        id: `evt_${consumer}`,
        object: "event",
        type: "checkout.session.completed",
        data: { object },
      });
      return { payload, signature: fake?.signature(payload) ?? "" };
    });
    const deliver = (webhook: { payload: string; signature: string }) =>
      handleStripeWebhook(pool, stripe, Buffer.from(webhook.payload), webhook.signature);
    expect((await inBatches(webhooks, 8, deliver)).every((outcome) => outcome.handled)).to.equal(
      true,
    );

    const random = lcg(42);
    const planned: Planned[] = Array.from({ length: REQUESTS }, (_, n) => ({
      requestId: `req-${n}`,
      consumer: consumers[Math.floor(random() * CONSUMERS)] ?? "",
      provider: `provider-${n % PROVIDERS}`,
      prompt: Math.floor(random() * 1_000),
      // Zero (failed before the first token) up to beyond the maximum (capped at the hold).
      completion: Math.floor(random() * 600),
    }));
    const settleOne = async (request: Planned) => {
      try {
        await h().client.hold({
          requestId: request.requestId,
          accountId: request.consumer,
          model: "concurrent",
          maxPromptTokens: 1_000,
          maxCompletionTokens: 500,
        });
      } catch (error) {
        if (isInsufficientBalance(error)) return null;
        throw error;
      }
      return h().client.settle({
        requestId: request.requestId,
        providerAccountId: request.provider,
        usage: { promptTokens: request.prompt, completionTokens: request.completion },
      });
    };
    const figures = await inBatches(planned, IN_FLIGHT, settleOne);
    const settled = figures.filter((f) => f !== null).length;
    expect(settled).to.be.within(
      REQUESTS / 2,
      REQUESTS - 1,
      "some holds were refused for balance, most settled",
    );

    // The provider's credit is floor(95 %) of each charge, the charge computed independently here.
    const held = costMicroUsd(PRICE, { promptTokens: 1_000n, completionTokens: 500n });
    const expectedCredit = new Map<string, bigint>();
    planned.forEach((request, i) => {
      const f = figures[i];
      if (f === null || f === undefined) return;
      const cost = costMicroUsd(PRICE, {
        promptTokens: BigInt(request.prompt),
        completionTokens: BigInt(request.completion),
      });
      const charged = cost < held ? cost : held;
      expect(f.chargedMicroUsd).to.equal(charged);
      expect(f.providerCreditMicroUsd).to.equal((charged * 95n) / 100n);
      expectedCredit.set(
        request.provider,
        (expectedCredit.get(request.provider) ?? 0n) + (charged * 95n) / 100n,
      );
    });
    const balances = async (): Promise<Map<string, bigint>> => {
      const rows = await pool.any(sql.type(
        z.object({ id: z.string(), balance_micro_usd: z.bigint() }),
      )`
        SELECT id, balance_micro_usd FROM ledger_accounts`);
      return new Map(rows.map((row) => [row.id, row.balance_micro_usd]));
    };
    const before = await balances();
    for (let p = 0; p < PROVIDERS; p++) {
      expect(before.get(`provider:provider-${p}`) ?? 0n).to.equal(
        expectedCredit.get(`provider-${p}`) ?? 0n,
      );
    }
    expect([...before.values()].reduce((a, b) => a + b, 0n)).to.equal(
      0n,
      "the ledger sums to zero",
    );
    for (const [id, amount] of before) {
      if (id !== "platform:stripe_clearing")
        expect(amount >= 0n, `${id} is negative`).to.equal(true);
      if (id.startsWith("hold:")) expect(amount, `${id} still holds money`).to.equal(0n);
    }
    const unbalanced = await pool.anyFirst(sql.type(z.object({ transaction_id: z.bigint() }))`
      SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING sum(amount_micro_usd) <> 0`);
    expect(unbalanced).to.deep.equal([]);
    // Fees: platform revenue plus the referrers' shares is exactly what providers did not get.
    const split = await pool.one(sql.type(z.object({ fee: z.bigint(), referral: z.bigint() }))`
      SELECT coalesce(sum(platform_fee_micro_usd), 0)::int8 AS fee, coalesce(sum(referral_micro_usd), 0)::int8 AS referral
      FROM ledger_settlements`);
    expect(split.referral > 0n).to.equal(true);
    expect((before.get("platform:revenue") ?? 0n) + split.referral).to.equal(split.fee);

    const entryCount = () =>
      pool.oneFirst(
        sql.type(z.object({ n: z.bigint() }))`SELECT count(*)::int8 AS n FROM ledger_entries`,
      );
    const entriesBefore = await entryCount();
    const replayed = await inBatches(planned, IN_FLIGHT, async (request) =>
      h()
        .client.settle({
          requestId: request.requestId,
          providerAccountId: request.provider,
          usage: { promptTokens: 999, completionTokens: 999 },
        })
        .catch((error: unknown) => ConnectError.from(error).code),
    );
    planned.forEach((_, i) => {
      const original = figures[i];
      if (original !== null && original !== undefined) expect(replayed[i]).to.deep.equal(original);
    });
    const webhookReplays = await inBatches(webhooks, 8, deliver);
    expect(webhookReplays.some((outcome) => outcome.handled)).to.equal(false);
    expect(await entryCount()).to.equal(entriesBefore);
    expect(await balances()).to.deep.equal(before);
  });
});
