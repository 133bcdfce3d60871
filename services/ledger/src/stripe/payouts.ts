// Provider payouts through Stripe Connect. A payout first moves the amount from provider:<id>
// to payout:<id> (so it cannot be spent twice), then asks Stripe for a Transfer
// (payout-transfer.ts); success moves it on to the clearing account, a refusal, too many
// indeterminate attempts or a later `transfer.reversed` move it back.
import { ConnectError, Code } from "@connectrpc/connect";
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { providerAccount, STRIPE_CLEARING } from "../ledger-accounts.js";
import { invalidArgument, requireId } from "../ledger-errors.js";
import { lockAccounts, postTransaction, readBalances } from "../store.js";
import { attemptTransfer, recordAttempt, type PayoutRetryOptions } from "./payout-transfer.js";
import { payoutAccount, payoutRow, toPayout, type Payout } from "./payout-row.js";
import { MICRO_USD_PER_CENT, type StripeSettings } from "./stripe-settings.js";

export { payoutAccount, type Payout, type PayoutStatus } from "./payout-row.js";

export type PayoutBalance = {
  readonly earningsMicroUsd: bigint;
  readonly pendingMicroUsd: bigint;
  readonly minimumMicroUsd: bigint;
  readonly withdrawableMicroUsd: bigint;
};

const destinationRow = z.object({ stripe_account_id: z.string(), payouts_enabled: z.boolean() });

/** An admin links a connected account by id: it is vouched for (payouts enabled). */
export async function setPayoutAccount(
  connection: DbConnection,
  accountId: string,
  stripeAccountId: string,
): Promise<void> {
  if (!/^acct_[A-Za-z0-9]+$/.test(stripeAccountId))
    throw invalidArgument("stripe_account_id must be acct_…");
  await connection.query(sql.unsafe`
    INSERT INTO payout_accounts (account_id, stripe_account_id, payouts_enabled)
    VALUES (${requireId(accountId, "account_id")}, ${stripeAccountId}, true)
    ON CONFLICT (account_id) DO UPDATE SET stripe_account_id = EXCLUDED.stripe_account_id,
      payouts_enabled = true, updated_at = now()`);
}

/** Withdrawable = earnings (provider:<id>) minus the configured minimum that stays behind. */
export async function payoutBalance(
  connection: DbConnection,
  accountId: string,
  minimumMicroUsd: bigint,
): Promise<PayoutBalance> {
  const earningsId = providerAccount(accountId);
  const pendingId = payoutAccount(accountId);
  const balances = await readBalances(connection, [earningsId, pendingId]);
  const earnings = balances.get(earningsId) ?? 0n;
  const withdrawable = earnings - minimumMicroUsd;
  return {
    earningsMicroUsd: earnings,
    pendingMicroUsd: balances.get(pendingId) ?? 0n,
    minimumMicroUsd,
    withdrawableMicroUsd: withdrawable > 0n ? withdrawable : 0n,
  };
}

/**
 * Pays out whole cents to the account's connected Stripe account. Returns the payout `paid`,
 * or `pending` when Stripe's answer was indeterminate (the payout sweeper retries it); throws
 * Unavailable when Stripe refused (the amount is back in the earnings).
 */
export async function requestPayout(
  pool: DatabasePool,
  stripe: StripeSettings,
  input: {
    readonly accountId: string;
    readonly amountMicroUsd: bigint;
    readonly minimumMicroUsd: bigint;
  },
  retry: Pick<PayoutRetryOptions, "maxAttempts"> = { maxAttempts: 5 },
): Promise<Payout> {
  const accountId = requireId(input.accountId, "account_id");
  const amount = input.amountMicroUsd;
  if (amount <= 0n || amount % MICRO_USD_PER_CENT !== 0n) {
    throw invalidArgument("amount must be a positive number of whole cents");
  }
  const { payout, destination } = await pool.transaction(async (tx) => {
    const target = await tx.maybeOne(sql.type(destinationRow)`
      SELECT stripe_account_id, payouts_enabled FROM payout_accounts WHERE account_id = ${accountId}`);
    if (target === null) {
      throw new ConnectError(
        "no Stripe Connect account is linked for payouts: start onboarding with POST /v1/billing/connect/onboard",
        Code.FailedPrecondition,
      );
    }
    if (!target.payouts_enabled) {
      throw new ConnectError(
        "payouts are not enabled on your Stripe Connect account yet: finish Stripe's onboarding (POST /v1/billing/connect/onboard gives a fresh link)",
        Code.FailedPrecondition,
      );
    }
    const earnings = (
      await lockAccounts(tx, [providerAccount(accountId), payoutAccount(accountId)])
    ).get(providerAccount(accountId));
    if ((earnings ?? 0n) - input.minimumMicroUsd < amount) {
      throw new ConnectError("amount exceeds the withdrawable balance", Code.FailedPrecondition);
    }
    const row = await tx.one(sql.type(payoutRow)`
      INSERT INTO payouts (account_id, amount_micro_usd, status) VALUES (${accountId}, ${amount}, 'pending')
      RETURNING id, account_id, amount_micro_usd, status, stripe_transfer_id, attempts`);
    await postTransaction(tx, "payout", row.id, [
      { account: providerAccount(accountId), amountMicroUsd: -amount },
      { account: payoutAccount(accountId), amountMicroUsd: amount },
    ]);
    return { payout: toPayout(row), destination: target.stripe_account_id };
  });
  const attempt = await attemptTransfer(stripe, payout, destination);
  const recorded = await pool.transaction((tx) =>
    recordAttempt(tx, payout.id, attempt, retry.maxAttempts),
  );
  if (recorded.status === "failed") {
    throw new ConnectError(
      "Stripe refused the transfer; the amount is back in your balance",
      Code.Unavailable,
      undefined,
      undefined,
      attempt.kind === "paid" ? undefined : attempt.error,
    );
  }
  return recorded;
}

/** A `transfer.reversed` event: the money comes back to the provider's earnings, once. */
export async function reverseTransfer(
  connection: DbConnection,
  transferId: string,
): Promise<boolean> {
  const row = await connection.maybeOne(sql.type(payoutRow)`
    UPDATE payouts SET status = 'reversed', updated_at = now()
    WHERE stripe_transfer_id = ${transferId} AND status = 'paid'
    RETURNING id, account_id, amount_micro_usd, status, stripe_transfer_id, attempts`);
  if (row === null) return false;
  await lockAccounts(connection, [providerAccount(row.account_id), STRIPE_CLEARING]);
  await postTransaction(connection, "payout_reversal", row.id, [
    { account: STRIPE_CLEARING, amountMicroUsd: -row.amount_micro_usd },
    { account: providerAccount(row.account_id), amountMicroUsd: row.amount_micro_usd },
  ]);
  return true;
}
