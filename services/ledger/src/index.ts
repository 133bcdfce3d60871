// The whole public surface of @darkbloom/ledger.
export { createLedgerService } from "./service.js";
export type { SettleOptions } from "./settle.js";
export type { LedgerServiceOptions } from "./service.js";
export { setPrice, getPrice, listPrices, type ModelPrice } from "./prices.js";
export { tokensServedToday, type TokensServed } from "./network-stats.js";
export { readBalance, type Balance } from "./balance.js";
export {
  INSUFFICIENT_BALANCE,
  isInsufficientBalance,
  requestIdRefusal,
  type RequestIdRefusal,
} from "./ledger-errors.js";
export { PROVIDER_SHARE_PERCENT, type Price } from "./money.js";
export { ledgerMigrations, migrateLedger } from "./migrations.js";
export { sweepStuckHolds, type SweepOptions } from "./sweep-holds.js";
export { HoldSweeper, type HoldSweeperOptions } from "./hold-sweeper.js";
export { referralCodeFor, applyReferralCode, referralShareMicroUsd } from "./referrals.js";
export { listUsage, findUsage, type UsageRecord, type UsagePage } from "./usage.js";
export {
  summarizeUsage,
  MAX_SUMMARY_WINDOW_MS,
  type UsageSummary,
  type UsageGroup,
  type UsageDay,
  type UsageFigures,
} from "./usage-summary.js";
export {
  listBillingHistory,
  type BillingEntry,
  type BillingHistoryPage,
} from "./billing-history.js";
export { createInvite, redeemInvite, type Invite, type NewInvite } from "./invites.js";
export {
  ledgerOverview,
  listInvites,
  walletBalances,
  type LedgerOverview,
} from "./ledger-overview.js";
export type { StripeSettings } from "./stripe/stripe-settings.js";
export { createCheckoutSession, type CheckoutSession } from "./stripe/checkout.js";
export { handleStripeWebhook, type WebhookOutcome } from "./stripe/webhook.js";
export {
  setPayoutAccount,
  payoutBalance,
  requestPayout,
  type Payout,
  type PayoutBalance,
} from "./stripe/payouts.js";
export { retryPendingPayouts, type PayoutRetryOptions } from "./stripe/payout-transfer.js";
export { onboardConnectAccount, type ConnectOnboarding } from "./stripe/connect.js";
export { CreditLeases, type CreditLeaseOptions } from "./credit-leases.js";
export { HoldHeartbeat, touchHolds, type HoldHeartbeatOptions } from "./hold-heartbeat.js";
export {
  connectStatus,
  listPayouts,
  machineEarnings,
  type MachineEarnings,
  type PayoutRecord,
} from "./operator/operator-views.js";
