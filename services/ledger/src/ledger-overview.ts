// Figures for the admin console's ledger overview: balances by kind of account (they sum to zero
// in a double-entry ledger), money held for running requests, and the last 24 hours' flows.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

export interface LedgerOverview {
  /** Sum of balances per kind: consumer, provider, hold, platform:revenue, platform:stripe_clearing. */
  balances: { kind: string; accounts: number; balanceMicroUsd: bigint }[];
  /** Every balance summed: 0 unless the ledger is broken. */
  netMicroUsd: bigint;
  /** Holds of requests not settled yet. */
  openHolds: number;
  last24h: {
    settlements: number;
    chargedMicroUsd: bigint;
    providerCreditMicroUsd: bigint;
    platformFeeMicroUsd: bigint;
    creditedMicroUsd: bigint;
  };
}

const kindRow = z.object({ kind: z.string(), accounts: z.number(), balance: z.bigint() });
const flowRow = z.object({
  settlements: z.number(),
  charged: z.bigint(),
  provider_credit: z.bigint(),
  platform_fee: z.bigint(),
  credited: z.bigint(),
  open_holds: z.number(),
});

export async function ledgerOverview(connection: DbConnection): Promise<LedgerOverview> {
  const kinds = await connection.any(sql.type(kindRow)`
    SELECT CASE WHEN id LIKE 'platform:%' THEN id ELSE split_part(id, ':', 1) END AS kind,
           count(*)::int AS accounts, COALESCE(sum(balance_micro_usd), 0)::bigint AS balance
    FROM ledger_accounts GROUP BY 1 ORDER BY 1`);
  const flow = await connection.one(sql.type(flowRow)`
    SELECT
      (SELECT count(*)::int FROM ledger_settlements WHERE created_at > now() - interval '24 hours')
        AS settlements,
      (SELECT COALESCE(sum(charged_micro_usd), 0)::bigint FROM ledger_settlements
        WHERE created_at > now() - interval '24 hours') AS charged,
      (SELECT COALESCE(sum(provider_credit_micro_usd), 0)::bigint FROM ledger_settlements
        WHERE created_at > now() - interval '24 hours') AS provider_credit,
      (SELECT COALESCE(sum(platform_fee_micro_usd), 0)::bigint FROM ledger_settlements
        WHERE created_at > now() - interval '24 hours') AS platform_fee,
      (SELECT COALESCE(sum(amount_micro_usd), 0)::bigint FROM ledger_credits
        WHERE created_at > now() - interval '24 hours') AS credited,
      (SELECT count(*)::int FROM ledger_holds h
        WHERE NOT EXISTS (SELECT 1 FROM ledger_settlements s WHERE s.request_id = h.request_id)
          AND h.held_micro_usd > 0
          AND EXISTS (SELECT 1 FROM ledger_accounts a
                      WHERE a.id = 'hold:' || h.consumer_id AND a.balance_micro_usd > 0))
        AS open_holds`);
  return {
    balances: kinds.map((k) => ({
      kind: k.kind,
      accounts: k.accounts,
      balanceMicroUsd: k.balance,
    })),
    netMicroUsd: kinds.reduce((sum, k) => sum + k.balance, 0n),
    openHolds: flow.open_holds,
    last24h: {
      settlements: flow.settlements,
      chargedMicroUsd: flow.charged,
      providerCreditMicroUsd: flow.provider_credit,
      platformFeeMicroUsd: flow.platform_fee,
      creditedMicroUsd: flow.credited,
    },
  };
}

const inviteListRow = z.object({
  code: z.string(),
  credit_micro_usd: z.bigint(),
  max_uses: z.number(),
  uses: z.number(),
  created_by: z.string(),
  created_ms: z.number(),
});

/** Invite codes, newest first (at most `limit`). */
export async function listInvites(
  connection: DbConnection,
  limit = 200,
): Promise<
  {
    code: string;
    creditMicroUsd: bigint;
    maxUses: number;
    uses: number;
    createdBy: string;
    createdMs: number;
  }[]
> {
  const rows = await connection.any(sql.type(inviteListRow)`
    SELECT code, credit_micro_usd, max_uses, uses, created_by,
           (extract(epoch FROM created_at) * 1000)::float8 AS created_ms
    FROM invite_codes ORDER BY created_at DESC, code LIMIT ${limit}`);
  return rows.map((r) => ({
    code: r.code,
    creditMicroUsd: r.credit_micro_usd,
    maxUses: r.max_uses,
    uses: r.uses,
    createdBy: r.created_by,
    createdMs: r.created_ms,
  }));
}

/** Per auth account id: its consumer wallet (available), its holds, its provider earnings. */
export async function walletBalances(
  connection: DbConnection,
  accountIds: readonly string[],
): Promise<
  Map<string, { availableMicroUsd: bigint; heldMicroUsd: bigint; earnedMicroUsd: bigint }>
> {
  const ids = accountIds.flatMap((id) => [`consumer:${id}`, `hold:${id}`, `provider:${id}`]);
  const rows = await connection.any(sql.type(z.object({ id: z.string(), balance: z.bigint() }))`
    SELECT id, balance_micro_usd AS balance FROM ledger_accounts
    WHERE id = ANY(${sql.array(ids, "text")})`);
  const by = new Map(rows.map((r) => [r.id, r.balance]));
  return new Map(
    accountIds.map((id) => [
      id,
      {
        availableMicroUsd: by.get(`consumer:${id}`) ?? 0n,
        heldMicroUsd: by.get(`hold:${id}`) ?? 0n,
        earnedMicroUsd: by.get(`provider:${id}`) ?? 0n,
      },
    ]),
  );
}
