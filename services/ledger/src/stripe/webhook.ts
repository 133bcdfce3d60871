// The Stripe webhook: signature verified by the stripe library on the raw body; each event id is
// handled once (recorded in the same transaction as its effect, so a failed attempt is retried).
import { ConnectError, Code } from "@connectrpc/connect";
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";
import type Stripe from "stripe";
import { z } from "zod";
import { creditAccount } from "../credit.js";
import { recordAccountUpdated } from "./connect.js";
import { reverseTransfer } from "./payouts.js";
import { MICRO_USD_PER_CENT, type StripeSettings } from "./stripe-settings.js";

export type WebhookOutcome = {
  readonly eventId: string;
  readonly type: string;
  /** False for a replayed event id: nothing was done. */
  readonly handled: boolean;
  /**
   * Why the event was recorded but not applied (a paid session whose amount or currency differs
   * from the session we created): for the operator to look at; Stripe is not asked to retry.
   */
  readonly flagged: string | null;
};

const sessionRow = z.object({
  account_id: z.string(),
  amount_micro_usd: z.bigint(),
  currency: z.string(),
});

export async function handleStripeWebhook(
  pool: DatabasePool,
  stripe: StripeSettings,
  rawBody: Buffer,
  signature: string,
): Promise<WebhookOutcome> {
  let event: Stripe.Event;
  try {
    event = stripe.client.webhooks.constructEvent(rawBody, signature, stripe.webhookSecret);
  } catch (error) {
    throw new ConnectError(
      "invalid Stripe signature",
      Code.InvalidArgument,
      undefined,
      undefined,
      error,
    );
  }
  const outcome = await pool.transaction(async (tx) => {
    const fresh = await tx.maybeOne(sql.type(z.object({ event_id: z.string() }))`
      INSERT INTO stripe_events (event_id, type) VALUES (${event.id}, ${event.type})
      ON CONFLICT (event_id) DO NOTHING RETURNING event_id`);
    if (fresh === null) return { handled: false, flagged: null };
    return { handled: true, flagged: await applyEvent(tx, event) };
  });
  return { eventId: event.id, type: event.type, ...outcome };
}

/**
 * Stripe's event union is open-ended (hundreds of types): only these change the ledger.
 * Returns why the event was not applied, when it was refused.
 */
async function applyEvent(connection: DbConnection, event: Stripe.Event): Promise<string | null> {
  if (
    event.type === "checkout.session.completed" ||
    event.type === "checkout.session.async_payment_succeeded"
  ) {
    return creditCheckout(connection, event.data.object);
  } else if (event.type === "transfer.reversed") {
    await reverseTransfer(connection, event.data.object.id);
  } else if (event.type === "account.updated") {
    await recordAccountUpdated(connection, event.data.object);
  }
  return null;
}

/**
 * Credits a paid session we created, once per session (whichever event reports it first),
 * only when Stripe's amount and currency are those of the session we created; a mismatch is
 * flagged on the session row and credits nothing.
 */
async function creditCheckout(
  connection: DbConnection,
  session: Stripe.Checkout.Session,
): Promise<string | null> {
  if (session.payment_status !== "paid" || session.amount_total === null) return null;
  const ours = await connection.maybeOne(sql.type(sessionRow)`
    SELECT account_id, amount_micro_usd, currency FROM stripe_checkout_sessions
    WHERE session_id = ${session.id}`);
  if (ours === null) return null;
  const paidMicroUsd = BigInt(session.amount_total) * MICRO_USD_PER_CENT;
  if (paidMicroUsd !== ours.amount_micro_usd || session.currency !== ours.currency) {
    const reason = `checkout amount mismatch: created ${ours.amount_micro_usd} micro-${ours.currency}, Stripe reports ${paidMicroUsd} micro-${session.currency ?? "?"}`;
    await connection.query(sql.unsafe`
      UPDATE stripe_checkout_sessions SET flagged_reason = ${reason} WHERE session_id = ${session.id}`);
    return reason;
  }
  await creditAccount(connection, {
    accountId: ours.account_id,
    amountMicroUsd: BigInt(session.amount_total) * MICRO_USD_PER_CENT,
    reason: "Stripe Checkout deposit",
    idempotencyKey: `stripe:checkout:${session.id}`,
  });
  return null;
}
