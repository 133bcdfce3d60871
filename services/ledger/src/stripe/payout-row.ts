// The payouts table row and its public shape.
import { z } from "zod";

export const payoutAccount = (accountId: string): string => `payout:${accountId}`;

export type PayoutStatus = "pending" | "paid" | "failed" | "reversed";
export type Payout = {
  readonly id: string;
  readonly amountMicroUsd: bigint;
  /** pending: the Transfer's outcome is not known yet (retried by the payout sweeper). */
  readonly status: PayoutStatus;
  readonly stripeTransferId: string | null;
  readonly attempts: number;
};

export const payoutRow = z.object({
  id: z.string(),
  account_id: z.string(),
  amount_micro_usd: z.bigint(),
  status: z.enum(["pending", "paid", "failed", "reversed"]),
  stripe_transfer_id: z.string().nullable(),
  attempts: z.number(),
});

export const toPayout = (row: z.infer<typeof payoutRow>): Payout => ({
  id: row.id,
  amountMicroUsd: row.amount_micro_usd,
  status: row.status,
  stripeTransferId: row.stripe_transfer_id,
  attempts: row.attempts,
});
