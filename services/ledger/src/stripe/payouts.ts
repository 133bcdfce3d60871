// Provider payouts through Stripe Connect. A payout first moves the amount from provider:<id>
// to payout:<id> (so it cannot be spent twice), then asks Stripe for a Transfer; success moves it
// on to the clearing account, a refusal or a later `transfer.reversed` moves it back.
import { ConnectError, Code } from "@connectrpc/connect";
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { providerAccount, STRIPE_CLEARING } from "../ledger-accounts.js";
import { invalidArgument, requireId } from "../ledger-errors.js";
import { lockAccounts, postTransaction, readBalances } from "../store.js";
import { MICRO_USD_PER_CENT, type StripeSettings } from "./stripe-settings.js";

export const payoutAccount = (accountId: string): string => `payout:${accountId}`;

export type PayoutBalance = {
  readonly earningsMicroUsd: bigint;
  readonly pendingMicroUsd: bigint;
  readonly minimumMicroUsd: bigint;
  readonly withdrawableMicroUsd: bigint;
};
export type PayoutStatus = "pending" | "paid" | "failed" | "reversed";
export type Payout = {
  readonly id: string;
  readonly amountMicroUsd: bigint;
  readonly status: PayoutStatus;
  readonly stripeTransferId: string | null;
};

const payoutRow = z.object({
  id: z.string(),
  account_id: z.string(),
  amount_micro_usd: z.bigint(),
  status: z.enum(["pending", "paid", "failed", "reversed"]),
  stripe_transfer_id: z.string().nullable(),
});
const destinationRow = z.object({ stripe_account_id: z.string() });

export async function setPayoutAccount(
  connection: DbConnection,
  accountId: string,
  stripeAccountId: string,
): Promise<void> {
  if (!/^acct_[A-Za-z0-9]+$/.test(stripeAccountId))
    throw invalidArgument("stripe_account_id must be acct_…");
  await connection.query(sql.unsafe`
    INSERT INTO payout_accounts (account_id, stripe_account_id)
    VALUES (${requireId(accountId, "account_id")}, ${stripeAccountId})
    ON CONFLICT (account_id) DO UPDATE SET stripe_account_id = EXCLUDED.stripe_account_id, updated_at = now()`);
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

/** Pays out whole cents to the account's connected Stripe account. */
export async function requestPayout(
  pool: DatabasePool,
  stripe: StripeSettings,
  input: {
    readonly accountId: string;
    readonly amountMicroUsd: bigint;
    readonly minimumMicroUsd: bigint;
  },
): Promise<Payout> {
  const accountId = requireId(input.accountId, "account_id");
  const amount = input.amountMicroUsd;
  if (amount <= 0n || amount % MICRO_USD_PER_CENT !== 0n) {
    throw invalidArgument("amount must be a positive number of whole cents");
  }
  const { payout, destination } = await pool.transaction(async (tx) => {
    const target = await tx.maybeOne(sql.type(destinationRow)`
      SELECT stripe_account_id FROM payout_accounts WHERE account_id = ${accountId}`);
    if (target === null) {
      throw new ConnectError(
        "no Stripe Connect account is linked for payouts",
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
      RETURNING id, account_id, amount_micro_usd, status, stripe_transfer_id`);
    await postTransaction(tx, "payout", row.id, [
      { account: providerAccount(accountId), amountMicroUsd: -amount },
      { account: payoutAccount(accountId), amountMicroUsd: amount },
    ]);
    return { payout: row, destination: target.stripe_account_id };
  });
  let transferId: string;
  try {
    const transfer = await stripe.client.transfers.create(
      {
        amount: Number(amount / MICRO_USD_PER_CENT),
        currency: "usd",
        destination,
        metadata: { darkbloom_payout_id: payout.id },
      },
      { idempotencyKey: `payout:${payout.id}` },
    );
    transferId = transfer.id;
  } catch (error) {
    await pool.transaction((tx) => finishPayout(tx, payout.id, "failed", null));
    throw new ConnectError(
      "Stripe refused the transfer; the amount is back in your balance",
      Code.Unavailable,
      undefined,
      undefined,
      error,
    );
  }
  return pool.transaction((tx) => finishPayout(tx, payout.id, "paid", transferId));
}

/** A `transfer.reversed` event: the money comes back to the provider's earnings, once. */
export async function reverseTransfer(
  connection: DbConnection,
  transferId: string,
): Promise<boolean> {
  const row = await connection.maybeOne(sql.type(payoutRow)`
    UPDATE payouts SET status = 'reversed', updated_at = now()
    WHERE stripe_transfer_id = ${transferId} AND status = 'paid'
    RETURNING id, account_id, amount_micro_usd, status, stripe_transfer_id`);
  if (row === null) return false;
  await lockAccounts(connection, [providerAccount(row.account_id), STRIPE_CLEARING]);
  await postTransaction(connection, "payout_reversal", row.id, [
    { account: STRIPE_CLEARING, amountMicroUsd: -row.amount_micro_usd },
    { account: providerAccount(row.account_id), amountMicroUsd: row.amount_micro_usd },
  ]);
  return true;
}

async function finishPayout(
  connection: DbConnection,
  payoutId: string,
  status: "paid" | "failed",
  transferId: string | null,
): Promise<Payout> {
  const row = await connection.one(sql.type(payoutRow)`
    UPDATE payouts SET status = ${status}, stripe_transfer_id = ${transferId}, updated_at = now()
    WHERE id = ${payoutId} AND status = 'pending'
    RETURNING id, account_id, amount_micro_usd, status, stripe_transfer_id`);
  const destination = status === "paid" ? STRIPE_CLEARING : providerAccount(row.account_id);
  await lockAccounts(connection, [payoutAccount(row.account_id), destination]);
  await postTransaction(connection, status === "paid" ? "payout_paid" : "payout_reversal", row.id, [
    { account: payoutAccount(row.account_id), amountMicroUsd: -row.amount_micro_usd },
    { account: destination, amountMicroUsd: row.amount_micro_usd },
  ]);
  return {
    id: row.id,
    amountMicroUsd: row.amount_micro_usd,
    status: row.status,
    stripeTransferId: row.stripe_transfer_id,
  };
}
