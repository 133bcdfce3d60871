// What a provider operator may read about their own money (the console's "my machines" and
// "payouts" pages): earnings per machine, past payouts, the connected account's state. Every
// query is of one account's ledger rows: an operator never sees another operator's figures.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { requireId } from "../ledger-errors.js";
import type { PayoutStatus } from "../stripe/payout-row.js";

/** What one machine (provider id) earned its operator (ledger_settlements.provider_id is the
 * account credited; machine_id the provider that served). */
export interface MachineEarnings {
  readonly providerId: string;
  readonly requests: bigint;
  readonly promptTokens: bigint;
  readonly completionTokens: bigint;
  /** Credited to provider:<operator> for this machine's settlements. */
  readonly earnedMicroUsd: bigint;
  readonly lastServedAtMs: number;
}

const earningsRow = z.object({
  provider_id: z.string(),
  requests: z.bigint(),
  prompt_tokens: z.bigint(),
  completion_tokens: z.bigint(),
  earned: z.bigint(),
  last_served_ms: z.bigint(),
});

/**
 * Earnings per machine of `accountId`: settlements credited to the operator's account, by the
 * machine that served them (a machine linked to another operator never shows; settlements
 * without a recorded machine are not attributed). `providerId` narrows to one machine.
 */
export async function machineEarnings(
  connection: DbConnection,
  accountId: string,
  providerId?: string,
): Promise<MachineEarnings[]> {
  const account = requireId(accountId, "account_id");
  const one =
    providerId === undefined ? sql.fragment`` : sql.fragment`AND machine_id = ${providerId}`;
  const rows = await connection.any(sql.type(earningsRow)`
    SELECT machine_id AS provider_id,
           count(*)::int8 AS requests,
           sum(prompt_tokens)::int8 AS prompt_tokens,
           sum(completion_tokens)::int8 AS completion_tokens,
           sum(provider_credit_micro_usd)::int8 AS earned,
           (extract(epoch FROM max(created_at)) * 1000)::int8 AS last_served_ms
    FROM ledger_settlements
    WHERE provider_id = ${account} AND machine_id IS NOT NULL ${one}
    GROUP BY machine_id
    ORDER BY earned DESC, machine_id`);
  return rows.map((r) => ({
    providerId: r.provider_id,
    requests: r.requests,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    earnedMicroUsd: r.earned,
    lastServedAtMs: Number(r.last_served_ms),
  }));
}

export interface PayoutRecord {
  readonly id: string;
  readonly amountMicroUsd: bigint;
  readonly status: PayoutStatus;
  readonly stripeTransferId: string | null;
  readonly createdAtMs: number;
}

const historyRow = z.object({
  id: z.string(),
  amount_micro_usd: z.bigint(),
  status: z.enum(["pending", "paid", "failed", "reversed"]),
  stripe_transfer_id: z.string().nullable(),
  created_ms: z.bigint(),
});

/** The account's payouts, newest first (at most `limit`). */
export async function listPayouts(
  connection: DbConnection,
  accountId: string,
  limit: number,
): Promise<PayoutRecord[]> {
  const rows = await connection.any(sql.type(historyRow)`
    SELECT id, amount_micro_usd, status, stripe_transfer_id,
           (extract(epoch FROM created_at) * 1000)::int8 AS created_ms
    FROM payouts WHERE account_id = ${requireId(accountId, "account_id")}
    ORDER BY created_at DESC, id LIMIT ${Math.max(1, Math.min(limit, 100))}`);
  return rows.map((r) => ({
    id: r.id,
    amountMicroUsd: r.amount_micro_usd,
    status: r.status,
    stripeTransferId: r.stripe_transfer_id,
    createdAtMs: Number(r.created_ms),
  }));
}

const linkedRow = z.object({ stripe_account_id: z.string(), payouts_enabled: z.boolean() });

/** The account's Stripe connected account, if onboarding started (or an admin linked one). */
export async function connectStatus(
  connection: DbConnection,
  accountId: string,
): Promise<{ stripeAccountId: string; payoutsEnabled: boolean } | null> {
  const row = await connection.maybeOne(sql.type(linkedRow)`
    SELECT stripe_account_id, payouts_enabled FROM payout_accounts
    WHERE account_id = ${requireId(accountId, "account_id")}`);
  return row === null
    ? null
    : { stripeAccountId: row.stripe_account_id, payoutsEnabled: row.payouts_enabled };
}
