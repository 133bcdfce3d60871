// Stripe: POST /v1/billing/checkout, POST /v1/billing/stripe-webhook (public, signed),
// GET|POST /v1/billing/payouts and POST /v1/billing/connect/onboard (provider accounts),
// PUT /v1/admin/payout-accounts/{account id}.
import { findAccountById } from "@darkbloom/auth";
import {
  connectStatus,
  createCheckoutSession,
  listPayouts,
  handleStripeWebhook,
  onboardConnectAccount,
  payoutBalance,
  requestPayout,
  setPayoutAccount,
  type StripeSettings,
} from "@darkbloom/ledger";
import { z } from "zod";
import { EdgeError, badRequest } from "../errors/edge-error.js";
import { sendJson } from "../http/respond.js";
import { principalOf, type AccountRequest } from "./account-deps.js";
import { operatorOf } from "./operator-role.js";
import { n, parseBody } from "./json-body.js";
import { microUsd } from "../http/input-limits.js";

const checkoutSchema = z.object({ amount_micro_usd: microUsd().positive() });
const payoutSchema = z.object({ amount_micro_usd: microUsd().positive() });
const payoutAccountSchema = z.object({
  stripe_account_id: z.string().regex(/^acct_[A-Za-z0-9]+$/),
});

function stripeOf(ctx: AccountRequest): StripeSettings {
  if (ctx.deps.stripe === undefined) {
    throw new EdgeError(
      501,
      "server_error",
      "billing_disabled",
      "Stripe is not configured on this coordinator",
    );
  }
  return ctx.deps.stripe;
}

export async function postCheckout(ctx: AccountRequest): Promise<void> {
  const body = parseBody(checkoutSchema, ctx.body);
  const session = await createCheckoutSession(ctx.deps.pool, stripeOf(ctx), {
    accountId: principalOf(ctx).accountId,
    amountMicroUsd: BigInt(body.amount_micro_usd),
  });
  sendJson(ctx.res, 201, { object: "checkout_session", id: session.sessionId, url: session.url });
}

export async function postStripeWebhook(ctx: AccountRequest): Promise<void> {
  const signature = ctx.req.headers["stripe-signature"];
  if (typeof signature !== "string") {
    throw new EdgeError(
      400,
      "invalid_request_error",
      "missing_signature",
      "Stripe-Signature header is required",
    );
  }
  const outcome = await handleStripeWebhook(ctx.deps.pool, stripeOf(ctx), ctx.body, signature);
  ctx.log.info("stripe webhook", {
    eventId: outcome.eventId,
    type: outcome.type,
    handled: outcome.handled,
  });
  if (outcome.flagged !== null) {
    // Recorded, not credited; answered 200 so Stripe does not retry what a retry cannot fix.
    ctx.log.warn("stripe webhook refused", { eventId: outcome.eventId, reason: outcome.flagged });
  }
  sendJson(ctx.res, 200, { received: true, event_id: outcome.eventId, replayed: !outcome.handled });
}

export async function getPayouts(ctx: AccountRequest): Promise<void> {
  const balance = await payoutBalance(
    ctx.deps.pool,
    providerOf(ctx),
    ctx.deps.payoutMinimumMicroUsd,
  );
  sendJson(ctx.res, 200, {
    object: "payout_balance",
    earnings_micro_usd: n(balance.earningsMicroUsd),
    pending_micro_usd: n(balance.pendingMicroUsd),
    minimum_micro_usd: n(balance.minimumMicroUsd),
    withdrawable_micro_usd: n(balance.withdrawableMicroUsd),
    connect: await connectJson(ctx),
  });
}

/** GET /v1/billing/payouts/history: the operator's own payouts, newest first. */
export async function getPayoutHistory(ctx: AccountRequest): Promise<void> {
  const limit = Number(ctx.query.get("limit") ?? "50");
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw badRequest("limit must be an integer from 1 to 100", "limit");
  const payouts = await listPayouts(ctx.deps.pool, providerOf(ctx), limit);
  sendJson(ctx.res, 200, {
    object: "list",
    data: payouts.map((p) => ({
      object: "payout",
      id: p.id,
      amount_micro_usd: n(p.amountMicroUsd),
      status: p.status,
      stripe_transfer_id: p.stripeTransferId,
      created: Math.floor(p.createdAtMs / 1000),
    })),
  });
}

async function connectJson(ctx: AccountRequest): Promise<Record<string, unknown> | null> {
  const linked = await connectStatus(ctx.deps.pool, principalOf(ctx).accountId);
  return linked === null
    ? null
    : { stripe_account_id: linked.stripeAccountId, payouts_enabled: linked.payoutsEnabled };
}

export async function postPayout(ctx: AccountRequest): Promise<void> {
  const body = parseBody(payoutSchema, ctx.body);
  const payout = await requestPayout(
    ctx.deps.pool,
    stripeOf(ctx),
    {
      accountId: providerOf(ctx),
      amountMicroUsd: BigInt(body.amount_micro_usd),
      minimumMicroUsd: ctx.deps.payoutMinimumMicroUsd,
    },
    { maxAttempts: ctx.deps.payoutMaxAttempts ?? 5 },
  );
  // pending: Stripe's answer was indeterminate; the payout sweeper retries the same Transfer.
  sendJson(ctx.res, payout.status === "pending" ? 202 : 201, {
    object: "payout",
    id: payout.id,
    amount_micro_usd: n(payout.amountMicroUsd),
    status: payout.status,
    stripe_transfer_id: payout.stripeTransferId,
    attempts: payout.attempts,
  });
}

export async function postConnectOnboard(ctx: AccountRequest): Promise<void> {
  const onboarding = await onboardConnectAccount(ctx.deps.pool, stripeOf(ctx), {
    accountId: providerOf(ctx),
  });
  sendJson(ctx.res, 200, {
    object: "connect_onboarding",
    stripe_account_id: onboarding.stripeAccountId,
    payouts_enabled: onboarding.payoutsEnabled,
    url: onboarding.url,
    expires_at: onboarding.expiresAt,
  });
}

export async function putPayoutAccount(ctx: AccountRequest): Promise<void> {
  const accountId = ctx.params[0] ?? "";
  if (!z.string().uuid().safeParse(accountId).success)
    throw badRequest(`account id must be a UUID, got '${accountId.slice(0, 64)}'`, "account_id");
  const body = parseBody(payoutAccountSchema, ctx.body);
  if ((await findAccountById(ctx.deps.pool, accountId)) === null)
    throw new EdgeError(
      404,
      "invalid_request_error",
      "not_found",
      `account ${accountId} not found`,
    );
  await setPayoutAccount(ctx.deps.pool, accountId, body.stripe_account_id);
  sendJson(ctx.res, 200, { object: "payout_account", account_id: accountId, ...body });
}

/** Payouts are for provider operators; their earnings sit in provider:<account id>. */
const providerOf = (ctx: AccountRequest): string => operatorOf(ctx, "payouts are");
