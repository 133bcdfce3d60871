import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

const codeRow = z.object({
  status: z.enum(["pending", "approved", "denied", "consumed"]),
  account_id: z.string().nullable(),
  client_id: z.string(),
  interval_s: z.number(),
  expired: z.boolean(),
  polled_too_soon: z.boolean(),
});
export type CodeRow = z.infer<typeof codeRow>;

export async function insertDeviceCode(
  db: DbConnection,
  c: {
    deviceCodeHash: Buffer;
    userCode: string;
    clientId: string;
    clientIp: string;
    intervalS: number;
    expiresInS: number;
  },
): Promise<void> {
  await db.query(sql.unsafe`
    INSERT INTO device_codes (device_code_hash, user_code, client_id, client_ip, interval_s, expires_at)
    VALUES (${sql.binary(c.deviceCodeHash)}, ${c.userCode}, ${c.clientId}, ${c.clientIp},
            ${c.intervalS}, now() + make_interval(secs => ${c.expiresInS}))`);
}

/** Locks the code row, stamps the poll time, and says whether this poll came too soon. */
export async function pollDeviceCode(db: DbConnection, hash: Buffer): Promise<CodeRow | null> {
  const row = await db.maybeOne(sql.type(codeRow)`
    SELECT status, account_id, client_id, interval_s, expires_at < now() AS expired,
      (last_polled_at IS NOT NULL AND last_polled_at > now() - make_interval(secs => interval_s)) AS polled_too_soon
    FROM device_codes WHERE device_code_hash = ${sql.binary(hash)} FOR UPDATE`);
  if (!row) return null;
  await db.query(sql.unsafe`
    UPDATE device_codes
    SET last_polled_at = now(), interval_s = interval_s + ${row.polled_too_soon ? 5 : 0}
    WHERE device_code_hash = ${sql.binary(hash)}`);
  return row;
}

export async function markConsumed(db: DbConnection, hash: Buffer): Promise<void> {
  await db.query(sql.unsafe`
    UPDATE device_codes SET status = 'consumed' WHERE device_code_hash = ${sql.binary(hash)}`);
}

/** Approves or denies a pending, unexpired code; false when there is no such code. */
export async function decideUserCode(
  db: DbConnection,
  userCode: string,
  accountId: string,
  approve: boolean,
): Promise<boolean> {
  const row = await db.maybeOne(sql.type(z.object({ user_code: z.string() }))`
    UPDATE device_codes SET status = ${approve ? "approved" : "denied"}, account_id = ${sql.uuid(accountId)}
    WHERE user_code = ${userCode} AND status = 'pending' AND expires_at > now()
    RETURNING user_code`);
  return row !== null;
}

/** Where a user code stands (for the approve page's error): unknown, expired, or its status. */
export async function userCodeState(
  db: DbConnection,
  userCode: string,
): Promise<"unknown" | "expired" | CodeRow["status"]> {
  const row = await db.maybeOne(sql.type(
    z.object({ status: codeRow.shape.status, expired: z.boolean() }),
  )`
    SELECT status, expires_at < now() AS expired FROM device_codes WHERE user_code = ${userCode}`);
  if (!row) return "unknown";
  if (row.status === "pending" && row.expired) return "expired";
  return row.status;
}

export async function insertProviderToken(
  db: DbConnection,
  t: { accountId: string; hash: Buffer; clientId: string },
): Promise<void> {
  await db.query(sql.unsafe`
    INSERT INTO provider_tokens (account_id, hash, client_id)
    VALUES (${sql.uuid(t.accountId)}, ${sql.binary(t.hash)}, ${t.clientId})`);
}

export async function findProviderToken(db: DbConnection, hash: Buffer): Promise<string | null> {
  const row = await db.maybeOne(sql.type(z.object({ account_id: z.string() }))`
    SELECT account_id FROM provider_tokens WHERE hash = ${sql.binary(hash)} AND revoked_at IS NULL`);
  return row?.account_id ?? null;
}

/** Marks a live token revoked; false when it is unknown or already revoked. */
export async function revokeProviderToken(db: DbConnection, hash: Buffer): Promise<boolean> {
  const row = await db.maybeOne(sql.type(z.object({ id: z.string() }))`
    UPDATE provider_tokens SET revoked_at = now()
    WHERE hash = ${sql.binary(hash)} AND revoked_at IS NULL RETURNING id`);
  return row !== null;
}

export async function listLiveTokenHashes(
  db: DbConnection,
): Promise<Array<{ hash: Buffer; accountId: string }>> {
  const rows = await db.any(sql.type(
    z.object({ hash: z.instanceof(Buffer), account_id: z.string() }),
  )`
    SELECT hash, account_id FROM provider_tokens WHERE revoked_at IS NULL`);
  return rows.map((r) => ({ hash: r.hash, accountId: r.account_id }));
}

export async function deleteExpiredCodes(db: DbConnection): Promise<void> {
  await db.query(sql.unsafe`DELETE FROM device_codes WHERE expires_at < now() - interval '1 day'`);
}
