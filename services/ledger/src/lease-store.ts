// SQL of credit leases (credit-leases.ts). Locks are taken lease row first, then accounts in id
// order, as a settlement batch takes them (holds, leases, accounts): no deadlock between them.
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { consumerAccount, holdAccount, leaseAccount } from "./ledger-accounts.js";
import { lockAccounts, postTransaction } from "./store.js";

const leaseRow = z.object({ id: z.string(), epoch: z.bigint(), active: z.boolean() });
const idRow = z.object({ id: z.string() });

export type LeaseState = { readonly epoch: bigint; readonly active: boolean };

/** Locks these leases (FOR UPDATE, in id order) and returns those that exist. */
export async function lockLeases(
  connection: DbConnection,
  leaseIds: readonly string[],
): Promise<Map<string, LeaseState>> {
  if (leaseIds.length === 0) return new Map();
  const rows = await connection.any(sql.type(leaseRow)`
    SELECT id, epoch, active FROM ledger_leases WHERE id = ANY(${sql.array([...leaseIds], "text")})
    ORDER BY id FOR UPDATE`);
  return new Map(rows.map((row) => [row.id, { epoch: row.epoch, active: row.active }]));
}

export type FundRequest = {
  readonly leaseId: string;
  readonly consumerId: string;
  readonly replicaId: string;
  /** The epoch this replica holds the lease at; null: it holds none (a new epoch starts). */
  readonly epoch: bigint | null;
  /**
   * The least that must move (else nothing moves), and the most that may: of what the wallet
   * has beyond the least, at most half moves (see {@link fundLease}).
   */
  readonly atLeastMicroUsd: bigint;
  readonly atMostMicroUsd: bigint;
  readonly ttlMs: number;
};

export type Funded =
  | { readonly kind: "funded"; readonly epoch: bigint; readonly movedMicroUsd: bigint }
  | { readonly kind: "short"; readonly walletMicroUsd: bigint }
  /** The lease was returned (swept) under the epoch this replica holds: start it anew. */
  | { readonly kind: "lost" };

/**
 * Moves credit from the consumer's wallet to the lease account in one ledger transaction (kind
 * `lease`): `atLeastMicroUsd` plus half of what the wallet has beyond it, at most
 * `atMostMicroUsd`, and nothing when it has less than `atLeastMicroUsd`. The half leaves the
 * other replicas of a consumer whose wallet is small next to the lease size something to hold
 * against (a replica that took it all would refuse the consumer's requests elsewhere with 402
 * until it returned its lease). Tops up the live lease of `epoch`, or starts the lease anew (next epoch) when
 * this replica holds none (returning first whatever a live one it lost track of still holds, e.g.
 * after a funding whose commit it never heard of). Run inside a transaction.
 */
export async function fundLease(connection: DbConnection, request: FundRequest): Promise<Funded> {
  let existing = (await lockLeases(connection, [request.leaseId])).get(request.leaseId);
  if (request.epoch !== null && (existing?.active !== true || existing.epoch !== request.epoch)) {
    return { kind: "lost" };
  }
  if (request.epoch === null && existing?.active === true) {
    await returnLease(connection, request.leaseId, null);
    existing = { epoch: existing.epoch, active: false };
  }
  const live = existing?.active === true;
  const wallet = consumerAccount(request.consumerId);
  const account = leaseAccount(request.leaseId);
  const balances = await lockAccounts(connection, [wallet, account]);
  const available = balances.get(wallet) ?? 0n;
  if (available < request.atLeastMicroUsd) return { kind: "short", walletMicroUsd: available };
  const half = (available - request.atLeastMicroUsd) / 2n;
  const extra = request.atMostMicroUsd - request.atLeastMicroUsd;
  const moved = request.atLeastMicroUsd + (half < extra ? half : extra);
  const epoch = live && existing !== undefined ? existing.epoch : (existing?.epoch ?? 0n) + 1n;
  await connection.query(sql.unsafe`
    INSERT INTO ledger_leases (id, consumer_id, replica_id, epoch, active, expires_at)
    VALUES (${request.leaseId}, ${request.consumerId}, ${request.replicaId}, ${epoch}, true,
            now() + (${request.ttlMs} * interval '1 millisecond'))
    ON CONFLICT (id) DO UPDATE SET epoch = EXCLUDED.epoch, active = true,
      expires_at = EXCLUDED.expires_at`);
  await postTransaction(connection, "lease", request.leaseId, [
    { account: wallet, amountMicroUsd: -moved },
    { account, amountMicroUsd: moved },
  ]);
  return { kind: "funded", epoch, movedMicroUsd: moved };
}

/**
 * Returns what the lease account holds to the consumer's wallet (kind `lease_return`) and ends
 * the lease; nothing when it is not live (or, given an epoch, live at another one). Returns the
 * amount. Run inside a transaction.
 */
export async function returnLease(
  connection: DbConnection,
  leaseId: string,
  epoch: bigint | null,
): Promise<bigint> {
  const existing = (await lockLeases(connection, [leaseId])).get(leaseId);
  if (existing?.active !== true || (epoch !== null && existing.epoch !== epoch)) return 0n;
  const consumerId = await connection.oneFirst(sql.type(z.object({ consumer_id: z.string() }))`
    SELECT consumer_id FROM ledger_leases WHERE id = ${leaseId}`);
  const wallet = consumerAccount(consumerId);
  const account = leaseAccount(leaseId);
  const balances = await lockAccounts(connection, [wallet, account]);
  const amount = balances.get(account) ?? 0n;
  await postTransaction(connection, "lease_return", leaseId, [
    { account, amountMicroUsd: -amount },
    { account: wallet, amountMicroUsd: amount },
  ]);
  await connection.query(sql.unsafe`UPDATE ledger_leases SET active = false WHERE id = ${leaseId}`);
  return amount;
}

/** Extends the live leases of these ids; returns the ids still live (a missing one was swept). */
export async function renewLeases(
  connection: DbConnection,
  leaseIds: readonly string[],
  ttlMs: number,
): Promise<Set<string>> {
  if (leaseIds.length === 0) return new Set();
  const rows = await connection.any(sql.type(idRow)`
    UPDATE ledger_leases SET expires_at = now() + (${ttlMs} * interval '1 millisecond')
    WHERE id IN (
      SELECT id FROM ledger_leases WHERE id = ANY(${sql.array([...leaseIds], "text")}) AND active
      ORDER BY id FOR UPDATE)
    RETURNING id`);
  return new Set(rows.map((row) => row.id));
}

/**
 * Returns expired leases (their replica died or stopped renewing) to their wallets, one per
 * transaction, at most `max`. SKIP LOCKED: a lease being settled against, funded or swept by
 * another replica right now is left for the next sweep. Returns how many it returned.
 */
export async function sweepExpiredLeases(pool: DatabasePool, max: number): Promise<number> {
  // Mostly there is none: one round trip to see, not a transaction's three.
  const due = await pool.exists(sql.type(z.object({ due: z.number() }))`
    SELECT 1 AS due FROM ledger_leases WHERE active AND expires_at < now()`);
  if (!due) return 0;
  let swept = 0;
  while (swept < max) {
    const returned = await pool.transaction(async (tx) => {
      const leaseId = await tx.maybeOneFirst(sql.type(idRow)`
        SELECT id FROM ledger_leases WHERE active AND expires_at < now()
        ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`);
      if (leaseId === null) return false;
      await returnLease(tx, leaseId, null);
      return true;
    });
    if (!returned) break;
    swept++;
  }
  return swept;
}

/**
 * A consumer's wallet, hold account and the credit its leases hold, read in one statement (one
 * snapshot: credit moving between the wallet and a lease is counted once).
 */
export async function consumerBalances(
  connection: DbConnection,
  consumerId: string,
): Promise<{ wallet: bigint; held: bigint; leased: bigint }> {
  return connection.one(sql.type(
    z.object({ wallet: z.bigint(), held: z.bigint(), leased: z.bigint() }),
  )`
    SELECT
      coalesce((SELECT balance_micro_usd FROM ledger_accounts WHERE id = ${consumerAccount(consumerId)}), 0)::bigint AS wallet,
      coalesce((SELECT balance_micro_usd FROM ledger_accounts WHERE id = ${holdAccount(consumerId)}), 0)::bigint AS held,
      coalesce((SELECT sum(a.balance_micro_usd) FROM ledger_leases l
        JOIN ledger_accounts a ON a.id = 'lease:' || l.id WHERE l.consumer_id = ${consumerId}), 0)::bigint AS leased`);
}
