// The Stripe webhook: signature verified by the stripe library on the raw body; each event id is
// handled once (recorded in the same transaction as its effect, so a failed attempt is retried).
import { ConnectError, Code } from "@connectrpc/connect";
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";
import type Stripe from "stripe";
import { z } from "zod";
import { creditAccount } from "../credit.js";
import { reverseTransfer } from "./payouts.js";
import { MICRO_USD_PER_CENT, type StripeSettings } from "./stripe-settings.js";

export type WebhookOutcome = {
  readonly eventId: string;
  readonly type: string;
  /** False for a replayed event id: nothing was done. */
  readonly handled: boolean;
};

const sessionRow = z.object({ account_id: z.string() });

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
  const handled = await pool.transaction(async (tx) => {
    const fresh = await tx.maybeOne(sql.type(z.object({ event_id: z.string() }))`
      INSERT INTO stripe_events (event_id, type) VALUES (${event.id}, ${event.type})
      ON CONFLICT (event_id) DO NOTHING RETURNING event_id`);
    if (fresh === null) return false;
    await applyEvent(tx, event);
    return true;
  });
  return { eventId: event.id, type: event.type, handled };
}

/** Stripe's event union is open-ended (hundreds of types): only these change the ledger. */
async function applyEvent(connection: DbConnection, event: Stripe.Event): Promise<void> {
  if (
    event.type === "checkout.session.completed" ||
    event.type === "checkout.session.async_payment_succeeded"
  ) {
    await creditCheckout(connection, event.data.object);
  } else if (event.type === "transfer.reversed") {
    await reverseTransfer(connection, event.data.object.id);
  }
}

/** Credits a paid session we created, once per session (whichever event reports it first). */
async function creditCheckout(
  connection: DbConnection,
  session: Stripe.Checkout.Session,
): Promise<void> {
  if (session.payment_status !== "paid" || session.amount_total === null) return;
  const ours = await connection.maybeOne(sql.type(sessionRow)`
    SELECT account_id FROM stripe_checkout_sessions WHERE session_id = ${session.id}`);
  if (ours === null) return;
  await creditAccount(connection, {
    accountId: ours.account_id,
    amountMicroUsd: BigInt(session.amount_total) * MICRO_USD_PER_CENT,
    reason: "Stripe Checkout deposit",
    idempotencyKey: `stripe:checkout:${session.id}`,
  });
}
