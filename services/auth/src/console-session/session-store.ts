import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { roleSchema } from "../store.js";

const liveSessionRow = z.object({
  account_id: z.string(),
  name: z.string(),
  role: roleSchema,
  expires_at: z.number(),
});
export type LiveSessionRow = z.infer<typeof liveSessionRow>;

export async function insertSession(
  connection: DbConnection,
  tokenHash: Buffer,
  accountId: string,
  ttlMs: number,
): Promise<number> {
  return connection.oneFirst(sql.type(z.object({ expires_at: z.number() }))`
    INSERT INTO console_sessions (token_hash, account_id, role, expires_at)
    SELECT ${sql.binary(tokenHash)}, a.id, a.role, now() + make_interval(secs => ${ttlMs / 1000})
    FROM accounts a WHERE a.id = ${sql.uuid(accountId)}
    RETURNING expires_at`);
}

/**
 * The live (unexpired, unrevoked) session with this hash and its account; stamps last_seen_at
 * at most once a minute. A session whose account's role changed since sign-in is not live.
 */
export async function findLiveSession(
  connection: DbConnection,
  tokenHash: Buffer,
): Promise<LiveSessionRow | null> {
  return connection.maybeOne(sql.type(liveSessionRow)`
    WITH found AS (
      SELECT s.token_hash, s.account_id, s.expires_at, s.last_seen_at, a.name, a.role
      FROM console_sessions s JOIN accounts a ON a.id = s.account_id
      WHERE s.token_hash = ${sql.binary(tokenHash)} AND s.revoked_at IS NULL AND s.expires_at > now()
        AND s.role = a.role
    ), touched AS (
      UPDATE console_sessions SET last_seen_at = now()
      FROM found
      WHERE console_sessions.token_hash = found.token_hash
        AND found.last_seen_at < now() - interval '1 minute'
      RETURNING 1
    )
    SELECT account_id, name, role, expires_at FROM found`);
}

/** Returns false when no live session has this hash. */
export async function revokeSession(connection: DbConnection, tokenHash: Buffer): Promise<boolean> {
  const row = await connection.maybeOne(sql.type(z.object({ account_id: z.string() }))`
    UPDATE console_sessions SET revoked_at = now()
    WHERE token_hash = ${sql.binary(tokenHash)} AND revoked_at IS NULL
    RETURNING account_id`);
  return row !== null;
}

/** Deletes sessions expired or revoked more than a day ago; returns how many. */
export async function pruneSessions(connection: DbConnection): Promise<number> {
  const result = await connection.query(sql.unsafe`
    DELETE FROM console_sessions
    WHERE expires_at < now() - interval '1 day' OR revoked_at < now() - interval '1 day'`);
  return result.rowCount;
}
