import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import type { KeyLimits } from "./key-limits.js";

export const roleSchema = z.enum(["consumer", "provider", "admin"]);
export type Role = z.infer<typeof roleSchema>;

const accountRow = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  created_at: z.number(),
});
export type AccountRow = z.infer<typeof accountRow>;

const idRow = z.object({ id: z.string() });
const keyMatchRow = z.object({
  key_id: z.string(),
  account_id: z.string(),
  hash: z.instanceof(Buffer),
  role: roleSchema,
  scopes: z.array(z.string()),
  limited: z.boolean(),
});
export type KeyMatchRow = z.infer<typeof keyMatchRow>;

export async function insertAccount(
  connection: DbConnection,
  name: string,
  role: Role,
): Promise<AccountRow> {
  return connection.one(sql.type(accountRow)`
    INSERT INTO accounts (name, role) VALUES (${name}, ${role})
    RETURNING id, name, role, created_at`);
}

export async function findAccount(
  connection: DbConnection,
  accountId: string,
): Promise<AccountRow | null> {
  return connection.maybeOne(sql.type(accountRow)`
    SELECT id, name, role, created_at FROM accounts WHERE id = ${sql.uuid(accountId)}`);
}

export async function listAccountRows(
  connection: DbConnection,
  role: AccountRow["role"] | undefined,
  limit: number,
): Promise<readonly AccountRow[]> {
  const byRole = role === undefined ? sql.fragment`TRUE` : sql.fragment`role = ${role}`;
  return connection.any(sql.type(accountRow)`
    SELECT id, name, role, created_at FROM accounts WHERE ${byRole}
    ORDER BY created_at DESC, id LIMIT ${limit}`);
}

export type ApiKeyInsert = {
  readonly accountId: string;
  readonly name: string;
  readonly prefix: string;
  readonly hash: Buffer;
  readonly scopes: readonly string[];
  readonly limits: KeyLimits;
};

export async function insertApiKey(connection: DbConnection, key: ApiKeyInsert): Promise<string> {
  return connection.oneFirst(sql.type(idRow)`
    INSERT INTO api_keys (account_id, name, prefix, hash, scopes, rpm_limit, tpm_limit, budget_micro_usd, budget_period)
    VALUES (${sql.uuid(key.accountId)}, ${key.name}, ${key.prefix}, ${sql.binary(key.hash)}, ${sql.array(key.scopes, "text")},
      ${key.limits.rpmLimit}, ${key.limits.tpmLimit}, ${key.limits.budgetMicroUsd}, ${key.limits.budgetPeriod})
    RETURNING id`);
}

/**
 * Finds the live key with this hash (unique index) and, in the same statement, stamps
 * `last_used_at` unless it was stamped less than `touchResolutionSeconds` ago, so a busy key
 * costs at most one row write per resolution period.
 */
export async function matchApiKey(
  connection: DbConnection,
  hash: Buffer,
  touchResolutionSeconds: number,
): Promise<KeyMatchRow | null> {
  return connection.maybeOne(sql.type(keyMatchRow)`
    WITH found AS (
      SELECT k.id, k.account_id, k.hash, k.last_used_at, k.scopes, a.role,
        (k.rpm_limit IS NOT NULL OR k.tpm_limit IS NOT NULL OR k.budget_micro_usd IS NOT NULL) AS limited
      FROM api_keys k JOIN accounts a ON a.id = k.account_id
      WHERE k.hash = ${sql.binary(hash)} AND k.revoked_at IS NULL
    ), touched AS (
      UPDATE api_keys SET last_used_at = now()
      FROM found
      WHERE api_keys.id = found.id
        AND (found.last_used_at IS NULL
             OR found.last_used_at < now() - make_interval(secs => ${touchResolutionSeconds}))
      RETURNING api_keys.id
    )
    SELECT id AS key_id, account_id, hash, role, scopes, limited FROM found`);
}

/** Stamps `last_used_at` unless it was stamped less than `touchResolutionSeconds` ago. */
export async function touchApiKey(
  connection: DbConnection,
  keyId: string,
  touchResolutionSeconds: number,
): Promise<void> {
  await connection.query(sql.unsafe`
    UPDATE api_keys SET last_used_at = now()
    WHERE id = ${sql.uuid(keyId)}
      AND (last_used_at IS NULL
           OR last_used_at < now() - make_interval(secs => ${touchResolutionSeconds}))`);
}

/** Returns false when no live key has this id. */
export async function markRevoked(
  connection: DbConnection,
  keyId: string,
  ownerAccountId?: string,
): Promise<boolean> {
  const owner =
    ownerAccountId === undefined
      ? sql.fragment``
      : sql.fragment`AND account_id::text = ${ownerAccountId}`;
  const revoked = await connection.maybeOne(sql.type(idRow)`
    UPDATE api_keys SET revoked_at = now()
    WHERE id = ${sql.uuid(keyId)} AND revoked_at IS NULL ${owner}
    RETURNING id`);
  return revoked !== null;
}

export async function adminExists(connection: DbConnection): Promise<boolean> {
  return connection.exists(sql.type(idRow)`SELECT id FROM accounts WHERE role = 'admin'`);
}

/** Serialises bootstrap across processes until the surrounding transaction ends. */
export async function lockBootstrap(connection: DbConnection): Promise<void> {
  await connection.query(
    sql.unsafe`SELECT pg_advisory_xact_lock(hashtext('darkbloom.auth.bootstrap'))`,
  );
}
