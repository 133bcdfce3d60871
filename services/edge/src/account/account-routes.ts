// The route table of the account surface: accounts, keys, usage, pricing, billing, invites.
import type { AccountRequest } from "./account-deps.js";
import { postAccount } from "./admin-accounts.js";
import {
  getPayouts,
  postCheckout,
  postConnectOnboard,
  postPayout,
  postStripeWebhook,
  putPayoutAccount,
} from "./billing.js";
import {
  getReferralCode,
  postApplyReferral,
  postInvite,
  postRedeemInvite,
} from "./invites-referrals.js";
import { createKey, listKeys, revokeKey } from "./keys.js";
import { getMe, getUsage, getUsageRecord } from "./me-usage.js";
import { getPricing, putPrice } from "./pricing.js";

export type Access = "public" | "account" | "admin";
export interface AccountRoute {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Anchored; capture groups become `params` (URL-decoded). */
  pattern: RegExp;
  access: Access;
  handle(ctx: AccountRequest): Promise<void>;
}

const SEGMENT = "([^/]+)";
const path = (text: string): RegExp => new RegExp(`^${text.replaceAll("{}", SEGMENT)}$`);

export const ACCOUNT_ROUTES: readonly AccountRoute[] = [
  { method: "GET", pattern: path("/v1/me"), access: "account", handle: getMe },
  { method: "GET", pattern: path("/v1/usage"), access: "account", handle: getUsage },
  { method: "GET", pattern: path("/v1/usage/{}"), access: "account", handle: getUsageRecord },
  { method: "GET", pattern: path("/v1/keys"), access: "account", handle: listKeys },
  { method: "POST", pattern: path("/v1/keys"), access: "account", handle: createKey },
  { method: "DELETE", pattern: path("/v1/keys/{}"), access: "account", handle: revokeKey },
  { method: "GET", pattern: path("/v1/pricing"), access: "public", handle: getPricing },
  { method: "PUT", pattern: path("/v1/admin/prices/{}"), access: "admin", handle: putPrice },
  { method: "POST", pattern: path("/v1/admin/accounts"), access: "admin", handle: postAccount },
  { method: "POST", pattern: path("/v1/admin/invites"), access: "admin", handle: postInvite },
  {
    method: "PUT",
    pattern: path("/v1/admin/payout-accounts/{}"),
    access: "admin",
    handle: putPayoutAccount,
  },
  {
    method: "POST",
    pattern: path("/v1/invites/redeem"),
    access: "account",
    handle: postRedeemInvite,
  },
  { method: "GET", pattern: path("/v1/referral-code"), access: "account", handle: getReferralCode },
  {
    method: "POST",
    pattern: path("/v1/referrals/apply"),
    access: "account",
    handle: postApplyReferral,
  },
  {
    method: "POST",
    pattern: path("/v1/billing/checkout"),
    access: "account",
    handle: postCheckout,
  },
  {
    method: "POST",
    pattern: path("/v1/billing/stripe-webhook"),
    access: "public",
    handle: postStripeWebhook,
  },
  { method: "GET", pattern: path("/v1/billing/payouts"), access: "account", handle: getPayouts },
  { method: "POST", pattern: path("/v1/billing/payouts"), access: "account", handle: postPayout },
  {
    method: "POST",
    pattern: path("/v1/billing/connect/onboard"),
    access: "account",
    handle: postConnectOnboard,
  },
];
