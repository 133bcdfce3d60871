// One Transfer attempt for a pending payout, and the retry sweep. A Stripe answer is final
// (success → paid; a refusal such as a disabled destination → failed, money back to the
// earnings); a network error, a Stripe 5xx or a 429 says nothing about whether the Transfer
// happened, so the payout stays pending and is retried with the same idempotency key
// (`payout:<id>`: Stripe returns the first Transfer if one was made) until it succeeds or
// `maxAttempts` is reached, then it is marked failed and returned to the earnings.
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";
import Stripe from "stripe";
import { z } from "zod";
import { providerAccount, STRIPE_CLEARING } from "../ledger-accounts.js";
import { lockAccounts, postTransaction } from "../store.js";
import { MICRO_USD_PER_CENT, type StripeSettings } from "./stripe-settings.js";
import { payoutAccount, payoutRow, toPayout, type Payout } from "./payout-row.js";

export type TransferAttempt =
  | { readonly kind: "paid"; readonly transferId: string }
  | { readonly kind: "refused"; readonly error: unknown }
  | { readonly kind: "indeterminate"; readonly error: unknown };

export type PayoutRetryOptions = {
  /** A pending payout whose last attempt is older than this is tried again. */
  readonly retryAfterMs: number;
  /** Attempts (the first included) before a pending payout is failed and returned. */
  readonly maxAttempts: number;
};

/** Network errors, Stripe 5xx and 429: the Transfer may or may not exist; retry, same key. */
export function isIndeterminate(error: unknown): boolean {
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError
  ) {
    return true;
  }
  if (error instanceof Stripe.errors.StripeError) return (error.statusCode ?? 500) >= 500;
  return true;
}

export async function attemptTransfer(
  stripe: StripeSettings,
  payout: { readonly id: string; readonly amountMicroUsd: bigint },
  destination: string,
): Promise<TransferAttempt> {
  try {
    const transfer = await stripe.client.transfers.create(
      {
        amount: Number(payout.amountMicroUsd / MICRO_USD_PER_CENT),
        currency: "usd",
        destination,
        metadata: { darkbloom_payout_id: payout.id },
      },
      { idempotencyKey: `payout:${payout.id}` },
    );
    return { kind: "paid", transferId: transfer.id };
  } catch (error) {
    return isIndeterminate(error) ? { kind: "indeterminate", error } : { kind: "refused", error };
  }
}

/**
 * Records an attempt's outcome on a payout that is still pending (one settled meanwhile, by
 * another attempt with the same idempotency key, is returned as it is).
 */
export async function recordAttempt(
  connection: DbConnection,
  payoutId: string,
  attempt: TransferAttempt,
  maxAttempts: number,
): Promise<Payout> {
  const row = await connection.one(sql.type(payoutRow)`
    UPDATE payouts SET attempts = attempts + 1, attempted_at = now(), updated_at = now(),
      last_error = ${attempt.kind === "paid" ? null : String(attempt.error).slice(0, 500)}
    WHERE id = ${payoutId}
    RETURNING id, account_id, amount_micro_usd, status, stripe_transfer_id, attempts`);
  if (row.status !== "pending") return toPayout(row);
  if (attempt.kind === "paid")
    return finishPayout(connection, payoutId, "paid", attempt.transferId);
  if (attempt.kind === "refused" || row.attempts >= maxAttempts) {
    return finishPayout(connection, payoutId, "failed", null);
  }
  return toPayout(row);
}

/** paid: payout:<id> → clearing; failed: payout:<id> → the earnings again. */
export async function finishPayout(
  connection: DbConnection,
  payoutId: string,
  status: "paid" | "failed",
  transferId: string | null,
): Promise<Payout> {
  const row = await connection.one(sql.type(payoutRow)`
    UPDATE payouts SET status = ${status}, stripe_transfer_id = ${transferId}, updated_at = now()
    WHERE id = ${payoutId} AND status = 'pending'
    RETURNING id, account_id, amount_micro_usd, status, stripe_transfer_id, attempts`);
  const destination = status === "paid" ? STRIPE_CLEARING : providerAccount(row.account_id);
  await lockAccounts(connection, [payoutAccount(row.account_id), destination]);
  await postTransaction(connection, status === "paid" ? "payout_paid" : "payout_reversal", row.id, [
    { account: payoutAccount(row.account_id), amountMicroUsd: -row.amount_micro_usd },
    { account: destination, amountMicroUsd: row.amount_micro_usd },
  ]);
  return toPayout(row);
}

const pendingRow = payoutRow.extend({ stripe_account_id: z.string() });

/**
 * Retries pending payouts whose last attempt is older than `retryAfterMs`, one per transaction
 * with its row locked (SKIP LOCKED: every replica may run this; none retries a payout twice at
 * once). Returns the payouts it touched.
 */
export async function retryPendingPayouts(
  pool: DatabasePool,
  stripe: StripeSettings,
  options: PayoutRetryOptions & { readonly maxPerSweep: number },
): Promise<readonly Payout[]> {
  const touched: Payout[] = [];
  const seen = new Set<string>();
  while (touched.length < options.maxPerSweep) {
    const payout = await pool.transaction(async (tx) => {
      const row = await tx.maybeOne(sql.type(pendingRow)`
        SELECT p.id, p.account_id, p.amount_micro_usd, p.status, p.stripe_transfer_id, p.attempts,
          a.stripe_account_id
        FROM payouts p JOIN payout_accounts a ON a.account_id = p.account_id
        WHERE p.status = 'pending'
          AND p.attempted_at < now() - (${options.retryAfterMs} * interval '1 millisecond')
        ORDER BY p.attempted_at LIMIT 1
        FOR UPDATE OF p SKIP LOCKED`);
      if (row === null || seen.has(row.id)) return null;
      seen.add(row.id);
      const attempt = await attemptTransfer(
        stripe,
        { id: row.id, amountMicroUsd: row.amount_micro_usd },
        row.stripe_account_id,
      );
      return recordAttempt(tx, row.id, attempt, options.maxAttempts);
    });
    if (payout === null) break;
    touched.push(payout);
  }
  return touched;
}
