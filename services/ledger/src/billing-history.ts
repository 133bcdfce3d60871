// An account's money in: Stripe deposits (paid, waiting for payment, or flagged) and other
// credits (invite credit, grants), newest first. Spending is the usage history (usage.ts).
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { consumerAccount } from "./ledger-accounts.js";

export type BillingEntry = {
  readonly kind: "deposit" | "credit";
  /** credited: in the balance; pending: Checkout not paid (yet); flagged: paid but refused. */
  readonly status: "credited" | "pending" | "flagged";
  readonly amountMicroUsd: bigint;
  readonly description: string;
  readonly createdAtMs: number;
  /** The Checkout Session of a deposit; "" for other credits. */
  readonly checkoutSessionId: string;
};

export type BillingHistoryPage = {
  readonly entries: readonly BillingEntry[];
  readonly nextCursor: string;
};

const entryRow = z.object({
  kind: z.enum(["deposit", "credit"]),
  status: z.enum(["credited", "pending", "flagged"]),
  amount_micro_usd: z.bigint(),
  description: z.string(),
  created_at: z.number(),
  session_id: z.string(),
});

/** Only `accountId`'s own credits and Checkout Sessions; `cursor` is the previous `nextCursor`. */
export async function listBillingHistory(
  connection: DbConnection,
  accountId: string,
  page: { readonly limit: number; readonly cursor: string },
): Promise<BillingHistoryPage> {
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), 100);
  const offset = /^[0-9]{1,6}$/.test(page.cursor) ? Number(page.cursor) : 0;
  const rows = await connection.any(sql.type(entryRow)`
    SELECT * FROM (
      SELECT CASE WHEN c.idempotency_key LIKE 'stripe:checkout:%' THEN 'deposit' ELSE 'credit' END AS kind,
        'credited' AS status, c.amount_micro_usd, c.reason AS description, c.created_at,
        CASE WHEN c.idempotency_key LIKE 'stripe:checkout:%'
          THEN substr(c.idempotency_key, length('stripe:checkout:') + 1) ELSE '' END AS session_id
      FROM ledger_credits c WHERE c.account = ${consumerAccount(accountId)}
      UNION ALL
      SELECT 'deposit', CASE WHEN s.flagged_reason IS NULL THEN 'pending' ELSE 'flagged' END,
        s.amount_micro_usd, 'Stripe Checkout deposit', s.created_at, s.session_id
      FROM stripe_checkout_sessions s
      WHERE s.account_id = ${accountId}
        AND NOT EXISTS (SELECT 1 FROM ledger_credits c
                        WHERE c.idempotency_key = 'stripe:checkout:' || s.session_id)
    ) entries
    ORDER BY created_at DESC, session_id, description
    LIMIT ${limit + 1} OFFSET ${offset}`);
  return {
    entries: rows.slice(0, limit).map((r) => ({
      kind: r.kind,
      status: r.status,
      amountMicroUsd: r.amount_micro_usd,
      description: r.description,
      createdAtMs: r.created_at,
      checkoutSessionId: r.session_id,
    })),
    nextCursor: rows.length > limit ? String(offset + limit) : "",
  };
}
