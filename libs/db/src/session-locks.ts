import { sql, type DatabasePool, type DatabasePoolConnection } from "slonik";

/**
 * Runs `handler` on a pooled connection on which it may take session-level advisory locks
 * (`pg_advisory_lock`, `pg_try_advisory_lock`: they outlive transactions). The pool's reset runs
 * no query (connection.ts), so such a lock would otherwise stay with the connection into its next
 * checkout. Here it cannot: when the handler returns, every advisory lock of the session is
 * released (`pg_advisory_unlock_all`) before the connection goes back to the pool; when the
 * handler (or that release) throws, slonik destroys the connection instead of returning it, and
 * Postgres frees the locks as the session ends. The only way to take a session lock on a pooled
 * connection; everything else locks with `pg_advisory_xact_lock` (released at commit).
 */
export async function withSessionLocks<T>(
  pool: DatabasePool,
  handler: (connection: DatabasePoolConnection) => Promise<T>,
): Promise<T> {
  return pool.connect(async (connection) => {
    const result = await handler(connection);
    await connection.query(sql.unsafe`SELECT pg_advisory_unlock_all()`);
    return result;
  });
}
