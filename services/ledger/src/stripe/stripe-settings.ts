import type Stripe from "stripe";

/** What the ledger needs to talk to Stripe; built once by the composition root. */
export type StripeSettings = {
  readonly client: Stripe;
  /** `whsec_…`: verifies the `Stripe-Signature` header of webhooks. */
  readonly webhookSecret: string;
  readonly checkoutSuccessUrl: string;
  readonly checkoutCancelUrl: string;
  /** Connect onboarding: where Stripe sends the operator when done, and when the link expired. */
  readonly connectReturnUrl: string;
  readonly connectRefreshUrl: string;
};

/** Stripe amounts are integer cents; the ledger counts micro-USD. */
export const MICRO_USD_PER_CENT = 10_000n;
