import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

/** What the ledger looks like as a whole: every check here must hold after any test. */
export interface LedgerHealth {
  /** Sum of every entry ever posted (double entry: 0). */
  totalMicroUsd: bigint;
  /** Transactions whose entries do not sum to zero. */
  unbalancedTransactions: number;
  /** Accounts whose cached balance differs from the sum of their entries. */
  driftedAccounts: number;
  /** Holds that were never settled (stuck money), by the consumer's x-request-id (else the hold's). */
  openHolds: string[];
  /**
   * Credit leases not yet returned (a live replica's, or a dead one's not swept yet), as their
   * ledger accounts: live, or their account still holding credit. A lease with a hold open
   * against it in a replica's memory is never idle, so it stays here until that hold settles:
   * once no lease is open, no leased hold is either.
   */
  openLeases: string[];
}

const healthRow = z.object({
  total: z.bigint(),
  unbalanced: z.bigint(),
  drifted: z.bigint(),
});

export async function ledgerHealth(db: DbConnection): Promise<LedgerHealth> {
  const row = await db.one(sql.type(healthRow)`
    SELECT
      (SELECT coalesce(sum(amount_micro_usd), 0)::bigint FROM ledger_entries) AS total,
      (SELECT count(*) FROM (
         SELECT transaction_id FROM ledger_entries GROUP BY transaction_id
         HAVING sum(amount_micro_usd) <> 0) u)::bigint AS unbalanced,
      (SELECT count(*) FROM ledger_accounts a WHERE a.balance_micro_usd <> (
         SELECT coalesce(sum(e.amount_micro_usd), 0) FROM ledger_entries e WHERE e.account = a.id
       ))::bigint AS drifted`);
  const open = await db.any(sql.type(z.object({ request_id: z.string() }))`
    SELECT coalesce(h.client_request_id, h.request_id) AS request_id FROM ledger_holds h
    LEFT JOIN ledger_settlements s ON s.request_id = h.request_id
    WHERE s.request_id IS NULL ORDER BY 1`);
  const leases = await db.any(sql.type(z.object({ id: z.string() }))`
    SELECT 'lease:' || id AS id FROM ledger_leases WHERE active
    UNION
    SELECT id FROM ledger_accounts WHERE id LIKE 'lease:%' AND balance_micro_usd <> 0 ORDER BY id`);
  return {
    totalMicroUsd: row.total,
    unbalancedTransactions: Number(row.unbalanced),
    driftedAccounts: Number(row.drifted),
    openHolds: open.map((r) => r.request_id),
    openLeases: leases.map((r) => r.id),
  };
}

const settlementRow = z.object({
  request_id: z.string(),
  provider_id: z.string(),
  prompt_tokens: z.bigint(),
  completion_tokens: z.bigint(),
  input_micro_usd_per_million: z.bigint(),
  output_micro_usd_per_million: z.bigint(),
  charged_micro_usd: z.bigint(),
  provider_credit_micro_usd: z.bigint(),
  platform_fee_micro_usd: z.bigint(),
});
export type SettlementRow = z.infer<typeof settlementRow>;

/**
 * The recorded settlements of these requests, by the consumer's x-request-id (the ledger keys
 * holds by the coordinator's own id); of a request's holds (one per fallback model) the last.
 */
export async function settlementsOf(
  db: DbConnection,
  requestIds: readonly string[],
): Promise<Map<string, SettlementRow>> {
  const ids = sql.array([...requestIds], "text");
  const rows = await db.any(sql.type(settlementRow)`
    SELECT coalesce(h.client_request_id, s.request_id) AS request_id, s.provider_id,
           s.prompt_tokens, s.completion_tokens,
           s.input_micro_usd_per_million, s.output_micro_usd_per_million,
           s.charged_micro_usd, s.provider_credit_micro_usd, s.platform_fee_micro_usd
    FROM ledger_settlements s JOIN ledger_holds h ON h.request_id = s.request_id
    WHERE h.client_request_id = ANY(${ids}) OR s.request_id = ANY(${ids}) ORDER BY s.seq`);
  return new Map(rows.map((r) => [r.request_id, r]));
}

/** Balance of a ledger account (`consumer:<id>`, `provider:<id>`, `hold:<id>`, `platform:revenue`); 0 when absent. */
export async function balanceOf(db: DbConnection, account: string): Promise<bigint> {
  const row = await db.maybeOne(sql.type(z.object({ balance_micro_usd: z.bigint() }))`
    SELECT balance_micro_usd FROM ledger_accounts WHERE id = ${account}`);
  return row?.balance_micro_usd ?? 0n;
}

/**
 * Waits until no hold of these requests is open (settlement runs after the response ends), or
 * `timeoutMs`; returns those still open. A request whose hold was placed against a credit lease
 * (docs/money.md) has no hold row until it settles: one without a row counts as open while any
 * lease is (its replica returns a lease only once nothing is held against it).
 */
export async function waitForSettled(
  db: DbConnection,
  requestIds: readonly string[],
  timeoutMs = 10_000,
): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  const wanted = new Set(requestIds);
  for (;;) {
    const health = await ledgerHealth(db);
    const open = health.openHolds.filter((id) => wanted.has(id));
    if (health.openLeases.length > 0) {
      const rows = new Set(await holdRowsOf(db, requestIds));
      open.push(...requestIds.filter((id) => !rows.has(id) && !open.includes(id)));
    }
    if (open.length === 0 || Date.now() > until) return open;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Which of these requests (the consumer's x-request-id, else the ledger's) have a hold row. */
async function holdRowsOf(db: DbConnection, requestIds: readonly string[]): Promise<string[]> {
  const ids = sql.array([...requestIds], "text");
  const rows = await db.any(sql.type(z.object({ request_id: z.string() }))`
    SELECT coalesce(client_request_id, request_id) AS request_id FROM ledger_holds
    WHERE client_request_id = ANY(${ids}) OR request_id = ANY(${ids})`);
  return rows.map((r) => r.request_id);
}

/** Waits until no hold and no credit lease is open (every leased hold settled), or 10 s. */
export async function waitForLeasesReturned(db: DbConnection, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const health = await ledgerHealth(db);
    const open = health.openHolds.length + health.openLeases.length;
    if (open === 0 || Date.now() > until) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The whole audit the attack specs end with; every list empty and `settlements` > 0 is a pass. */
export interface LedgerAudit {
  health: LedgerHealth;
  /** Accounts below zero that may not be (only Stripe's clearing account may). */
  negativeAccounts: string[];
  /** Settlements whose provider credit is not floor(95 %) of the charge. */
  misPaidSettlements: string[];
  /** Every settlement recorded, by the ledger's own request id. */
  settlements: readonly SettlementRow[];
}

export async function auditLedger(db: DbConnection): Promise<LedgerAudit> {
  const negative = await db.any(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM ledger_accounts WHERE NOT allow_negative AND balance_micro_usd < 0`);
  const rows = await db.any(sql.type(settlementRow)`
    SELECT request_id, provider_id, prompt_tokens, completion_tokens,
           input_micro_usd_per_million, output_micro_usd_per_million,
           charged_micro_usd, provider_credit_micro_usd, platform_fee_micro_usd
    FROM ledger_settlements ORDER BY seq`);
  return {
    health: await ledgerHealth(db),
    negativeAccounts: negative.map((r) => r.id),
    misPaidSettlements: rows
      .filter((r) => r.provider_credit_micro_usd !== (r.charged_micro_usd * 95n) / 100n)
      .map((r) => r.request_id),
    settlements: rows,
  };
}

/** What `auditLedger` returns for a ledger that passes, but for the settlements themselves. */
export const CLEAN_LEDGER = {
  health: {
    totalMicroUsd: 0n,
    unbalancedTransactions: 0,
    driftedAccounts: 0,
    openHolds: [],
    openLeases: [],
  },
  negativeAccounts: [],
  misPaidSettlements: [],
} as const;

/**
 * `auditLedger` once no hold and no credit lease is open (settlement runs just after a response
 * ends; an idle lease goes back to the wallet soon after), or after 10 s.
 */
export async function auditLedgerWhenSettled(db: DbConnection): Promise<LedgerAudit> {
  let audit = await auditLedger(db);
  const open = (a: LedgerAudit): boolean =>
    a.health.openHolds.length > 0 || a.health.openLeases.length > 0;
  for (let i = 0; i < 50 && open(audit); i++) {
    await new Promise((r) => setTimeout(r, 200));
    audit = await auditLedger(db);
  }
  return audit;
}
