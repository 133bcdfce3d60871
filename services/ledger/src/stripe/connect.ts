// Stripe Connect onboarding: a provider operator gets an Express connected account (created
// once, stored for payouts with payouts disabled) and a fresh Account Link to Stripe's
// onboarding; Stripe's `account.updated` webhook records when payouts become enabled.
import { ConnectError, Code } from "@connectrpc/connect";
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";
import type Stripe from "stripe";
import { z } from "zod";
import { requireId } from "../ledger-errors.js";
import type { StripeSettings } from "./stripe-settings.js";

export type ConnectOnboarding = {
  readonly stripeAccountId: string;
  readonly payoutsEnabled: boolean;
  /** Stripe's hosted onboarding (single use, expires). */
  readonly url: string;
  readonly expiresAt: number;
};

const linkedRow = z.object({ stripe_account_id: z.string(), payouts_enabled: z.boolean() });

const stripeFailure = (what: string) => (error: unknown) => {
  throw new ConnectError(`Stripe refused ${what}`, Code.Unavailable, undefined, undefined, error);
};

/** The account's connected account (created on first call) and an onboarding link for it. */
export async function onboardConnectAccount(
  pool: DatabasePool,
  stripe: StripeSettings,
  input: { readonly accountId: string },
): Promise<ConnectOnboarding> {
  const accountId = requireId(input.accountId, "account_id");
  let linked = await pool.maybeOne(sql.type(linkedRow)`
    SELECT stripe_account_id, payouts_enabled FROM payout_accounts WHERE account_id = ${accountId}`);
  if (linked === null) {
    // Idempotent on our account id: two concurrent calls create one connected account.
    const created = await stripe.client.accounts
      .create(
        { type: "express", metadata: { darkbloom_account_id: accountId } },
        { idempotencyKey: `connect:${accountId}` },
      )
      .catch(stripeFailure("to create the connected account"));
    await pool.query(sql.unsafe`
      INSERT INTO payout_accounts (account_id, stripe_account_id, payouts_enabled)
      VALUES (${accountId}, ${created.id}, ${created.payouts_enabled})
      ON CONFLICT (account_id) DO NOTHING`);
    linked = await pool.one(sql.type(linkedRow)`
      SELECT stripe_account_id, payouts_enabled FROM payout_accounts WHERE account_id = ${accountId}`);
  }
  const link = await stripe.client.accountLinks
    .create({
      account: linked.stripe_account_id,
      type: "account_onboarding",
      return_url: stripe.connectReturnUrl,
      refresh_url: stripe.connectRefreshUrl,
    })
    .catch(stripeFailure("the onboarding link"));
  return {
    stripeAccountId: linked.stripe_account_id,
    payoutsEnabled: linked.payouts_enabled,
    url: link.url,
    expiresAt: link.expires_at,
  };
}

/** `account.updated`: records whether the connected account can receive payouts now. */
export async function recordAccountUpdated(
  connection: DbConnection,
  account: Stripe.Account,
): Promise<void> {
  await connection.query(sql.unsafe`
    UPDATE payout_accounts SET payouts_enabled = ${account.payouts_enabled}, updated_at = now()
    WHERE stripe_account_id = ${account.id}`);
}
