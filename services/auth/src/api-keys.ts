// Listing, limiting and owner-checked revocation of API keys (creation is in service.ts).
import { ConnectError, Code } from "@connectrpc/connect";
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import type { BudgetPeriod, KeyLimits } from "./key-limits.js";

export type ApiKeyInfo = {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdAtMs: number;
  readonly lastUsedAtMs: number | null;
  readonly revokedAtMs: number | null;
  readonly limits: KeyLimits;
};

const keyRow = z.object({
  id: z.string(),
  account_id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  created_at: z.number(),
  last_used_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
  rpm_limit: z.number().nullable(),
  tpm_limit: z.bigint().nullable(),
  budget_micro_usd: z.bigint().nullable(),
  budget_period: z.enum(["day", "week", "month"]),
});
const COLUMNS = sql.fragment`id, account_id, name, prefix, scopes, created_at, last_used_at, revoked_at,
  rpm_limit, tpm_limit, budget_micro_usd, budget_period`;
const UUID = z.string().uuid();

export const NO_LIMITS: KeyLimits = {
  rpmLimit: null,
  tpmLimit: null,
  budgetMicroUsd: null,
  budgetPeriod: "month",
};

/** The account's keys, newest first, revoked ones included (never the secret or its hash). */
export async function listApiKeys(
  connection: DbConnection,
  accountId: string,
): Promise<ApiKeyInfo[]> {
  if (!UUID.safeParse(accountId).success) return [];
  const rows = await connection.any(sql.type(keyRow)`
    SELECT ${COLUMNS} FROM api_keys WHERE account_id = ${accountId} ORDER BY created_at DESC, id`);
  return rows.map(toInfo);
}

export async function findApiKey(
  connection: DbConnection,
  keyId: string,
): Promise<ApiKeyInfo | null> {
  if (!UUID.safeParse(keyId).success) return null;
  const row = await connection.maybeOne(
    sql.type(keyRow)`SELECT ${COLUMNS} FROM api_keys WHERE id = ${keyId}`,
  );
  return row === null ? null : toInfo(row);
}

export async function setKeyLimits(
  connection: DbConnection,
  keyId: string,
  limits: KeyLimits,
): Promise<void> {
  validateLimits(limits);
  await connection.query(sql.unsafe`
    UPDATE api_keys SET rpm_limit = ${limits.rpmLimit}, tpm_limit = ${limits.tpmLimit},
      budget_micro_usd = ${limits.budgetMicroUsd}, budget_period = ${limits.budgetPeriod}
    WHERE id = ${keyId}`);
}

export function validateLimits(limits: KeyLimits): void {
  const bad =
    (limits.rpmLimit !== null && (!Number.isInteger(limits.rpmLimit) || limits.rpmLimit < 1)) ||
    (limits.tpmLimit !== null && limits.tpmLimit < 1n) ||
    (limits.budgetMicroUsd !== null && limits.budgetMicroUsd < 0n);
  if (bad)
    throw new ConnectError("limits must be positive (budget: not negative)", Code.InvalidArgument);
}

export const budgetPeriods: readonly BudgetPeriod[] = ["day", "week", "month"];

function toInfo(row: z.infer<typeof keyRow>): ApiKeyInfo {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAtMs: row.created_at,
    lastUsedAtMs: row.last_used_at,
    revokedAtMs: row.revoked_at,
    limits: {
      rpmLimit: row.rpm_limit,
      tpmLimit: row.tpm_limit,
      budgetMicroUsd: row.budget_micro_usd,
      budgetPeriod: row.budget_period,
    },
  };
}
