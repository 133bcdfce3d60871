import type { DbConnection } from "@darkbloom/db";
import type { Account } from "./service.js";
import { findAccount, listAccountRows } from "./store.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The account, or null when the id is unknown or not an account id at all. */
export async function findAccountById(
  connection: DbConnection,
  accountId: string,
): Promise<Account | null> {
  if (!UUID.test(accountId)) return null;
  const row = await findAccount(connection, accountId);
  return row === null
    ? null
    : { id: row.id, name: row.name, role: row.role, createdAtMs: row.created_at };
}

/** Accounts, newest first (at most `limit`), optionally of one role (the admin console's list). */
export async function listAccounts(
  connection: DbConnection,
  options: { role?: Account["role"]; limit?: number } = {},
): Promise<Account[]> {
  const rows = await listAccountRows(connection, options.role, options.limit ?? 200);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    role: row.role,
    createdAtMs: row.created_at,
  }));
}
