// Deposits: a Stripe Checkout Session for an amount; the webhook credits it when paid.
import { ConnectError, Code } from "@connectrpc/connect";
import { sql, type DatabasePool } from "@darkbloom/db";
import { invalidArgument, requireId } from "../ledger-errors.js";
import { MICRO_USD_PER_CENT, type StripeSettings } from "./stripe-settings.js";

export const MIN_DEPOSIT_MICRO_USD = 1_000_000n;
export const MAX_DEPOSIT_MICRO_USD = 10_000_000_000n;

/** The webhook credits only a session paid in this currency, for the amount created. */
const CURRENCY = "usd";

export type CheckoutSession = { readonly sessionId: string; readonly url: string };

/** Creates a Checkout Session for a deposit of whole cents between $1 and $10,000. */
export async function createCheckoutSession(
  pool: DatabasePool,
  stripe: StripeSettings,
  input: { readonly accountId: string; readonly amountMicroUsd: bigint },
): Promise<CheckoutSession> {
  const accountId = requireId(input.accountId, "account_id");
  const amount = input.amountMicroUsd;
  if (amount < MIN_DEPOSIT_MICRO_USD || amount > MAX_DEPOSIT_MICRO_USD) {
    throw invalidArgument("amount must be between $1 and $10,000");
  }
  if (amount % MICRO_USD_PER_CENT !== 0n) throw invalidArgument("amount must be whole cents");
  const session = await stripe.client.checkout.sessions
    .create({
      mode: "payment",
      client_reference_id: accountId,
      metadata: { darkbloom_account_id: accountId },
      success_url: stripe.checkoutSuccessUrl,
      cancel_url: stripe.checkoutCancelUrl,
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: CURRENCY,
            unit_amount: Number(amount / MICRO_USD_PER_CENT),
            product_data: { name: "Darkbloom credit" },
          },
        },
      ],
    })
    .catch((error: unknown) => {
      throw new ConnectError(
        "Stripe refused the checkout session",
        Code.Unavailable,
        undefined,
        undefined,
        error,
      );
    });
  if (session.url === null) {
    throw new ConnectError("Stripe returned a checkout session without a url", Code.Internal);
  }
  await pool.query(sql.unsafe`
    INSERT INTO stripe_checkout_sessions (session_id, account_id, amount_micro_usd, currency)
    VALUES (${session.id}, ${accountId}, ${amount}, ${CURRENCY})`);
  return { sessionId: session.id, url: session.url };
}
