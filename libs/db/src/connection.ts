import {
  createPool as createSlonikPool,
  type DatabasePool,
  type DatabaseTransactionConnection,
} from "slonik";
import { withPlainTransactions } from "./plain-transactions.js";
import { createResultParserInterceptor } from "./result-parser.js";

/** What store functions take: the caller decides whether it is a pool or an open transaction. */
export type DbConnection = DatabasePool | DatabaseTransactionConnection;

export type PoolOptions = {
  /** Most connections the pool opens. Default 10. */
  readonly maximumPoolSize?: number;
  /** Server-side statement timeout. Default 60 000 ms. */
  readonly statementTimeoutMs?: number;
};

/**
 * What a connection back in the pool is reset with, instead of slonik's default DISCARD ALL:
 * nothing, so giving a connection back costs no round trip (slonik runs the reset on every
 * release: each settlement batch, key-usage batch, lookup...). Cached plans stay (Postgres
 * invalidates them itself on a schema change), so the queries of trigger functions and
 * foreign-key checks are not planned again in every transaction (docs/money.md, group commit).
 * Rules this relies on: code on a pooled connection changes settings only for its transaction
 * (SET LOCAL, set_config(..., true)), locks with `pg_advisory_xact_lock` (released at commit) or
 * takes session advisory locks only through `withSessionLocks` (session-locks.ts: released
 * before the connection goes back, or the connection is destroyed), and never LISTENs, declares
 * WITH HOLD cursors or makes temporary tables (listen.ts has its own connection). A connection
 * whose handler threw is destroyed by slonik, not returned.
 */
const resetSession = async (): Promise<void> => {};

/**
 * A slonik pool whose `sql.type(schema)` queries are validated by zod; int8 comes back as bigint;
 * transactions are plain statements (plain-transactions.ts).
 */
export async function createPool(
  databaseUrl: string,
  options: PoolOptions = {},
): Promise<DatabasePool> {
  const pool = await createSlonikPool(databaseUrl, {
    maximumPoolSize: options.maximumPoolSize ?? 10,
    statementTimeout: options.statementTimeoutMs ?? 60_000,
    interceptors: [createResultParserInterceptor()],
    resetConnection: resetSession,
  });
  return withPlainTransactions(pool);
}
