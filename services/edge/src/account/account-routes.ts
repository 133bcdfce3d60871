// The route table of the account surface: accounts, keys, usage, pricing, billing, invites.
import type { Scope } from "@darkbloom/auth";
import type { AccountRequest } from "./account-deps.js";
import { postAccount } from "./admin-accounts.js";
import { getAccounts, getInvites, getLedgerOverview } from "./admin-overview.js";
import {
  getPayoutHistory,
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
import { getMachine, getMachines } from "./operator-machines.js";
import { getPricing, putPrice } from "./pricing.js";
import { getBillingHistory, getUsageSummary } from "./usage-summary.js";

/** `public`, or the key scope the route needs (`admin` also needs an admin account). */
export type Access = "public" | Scope;
export interface AccountRoute {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** A front-door path pattern: each `{}` segment becomes one of `params` (URL-decoded). */
  path: string;
  access: Access;
  handle(ctx: AccountRequest): Promise<void>;
}

export const ACCOUNT_ROUTES: readonly AccountRoute[] = [
  { method: "GET", path: "/v1/me", access: "account:read", handle: getMe },
  { method: "GET", path: "/v1/usage", access: "account:read", handle: getUsage },
  {
    method: "GET",
    path: "/v1/usage/summary",
    access: "account:read",
    handle: getUsageSummary,
  },
  { method: "GET", path: "/v1/usage/{}", access: "account:read", handle: getUsageRecord },
  { method: "GET", path: "/v1/keys", access: "account:read", handle: listKeys },
  { method: "POST", path: "/v1/keys", access: "account:write", handle: createKey },
  { method: "DELETE", path: "/v1/keys/{}", access: "account:write", handle: revokeKey },
  { method: "GET", path: "/v1/pricing", access: "public", handle: getPricing },
  { method: "PUT", path: "/v1/admin/prices/{}", access: "admin", handle: putPrice },
  { method: "POST", path: "/v1/admin/accounts", access: "admin", handle: postAccount },
  { method: "POST", path: "/v1/admin/invites", access: "admin", handle: postInvite },
  { method: "GET", path: "/v1/admin/accounts", access: "admin", handle: getAccounts },
  { method: "GET", path: "/v1/admin/invites", access: "admin", handle: getInvites },
  { method: "GET", path: "/v1/admin/ledger", access: "admin", handle: getLedgerOverview },
  {
    method: "PUT",
    path: "/v1/admin/payout-accounts/{}",
    access: "admin",
    handle: putPayoutAccount,
  },
  {
    method: "POST",
    path: "/v1/invites/redeem",
    access: "account:write",
    handle: postRedeemInvite,
  },
  {
    method: "GET",
    path: "/v1/referral-code",
    access: "account:read",
    handle: getReferralCode,
  },
  {
    method: "POST",
    path: "/v1/referrals/apply",
    access: "account:write",
    handle: postApplyReferral,
  },
  {
    method: "POST",
    path: "/v1/billing/checkout",
    access: "account:write",
    handle: postCheckout,
  },
  {
    method: "POST",
    path: "/v1/billing/stripe-webhook",
    access: "public",
    handle: postStripeWebhook,
  },
  {
    method: "GET",
    path: "/v1/billing/history",
    access: "account:read",
    handle: getBillingHistory,
  },
  {
    method: "GET",
    path: "/v1/billing/payouts",
    access: "account:read",
    handle: getPayouts,
  },
  {
    method: "GET",
    path: "/v1/billing/payouts/history",
    access: "account:read",
    handle: getPayoutHistory,
  },
  {
    method: "GET",
    path: "/v1/provider/machines",
    access: "account:read",
    handle: getMachines,
  },
  {
    method: "GET",
    path: "/v1/provider/machines/{}",
    access: "account:read",
    handle: getMachine,
  },
  {
    method: "POST",
    path: "/v1/billing/payouts",
    access: "account:write",
    handle: postPayout,
  },
  {
    method: "POST",
    path: "/v1/billing/connect/onboard",
    access: "account:write",
    handle: postConnectOnboard,
  },
];
