import { Code, ConnectError } from "@connectrpc/connect";
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

export interface DeviceCodeLimits {
  /** New codes one client address may start per sliding minute. */
  readonly perIpPerMinute: number;
  /** Pending, unexpired codes in total; beyond it every address waits. */
  readonly maxPending: number;
}

/** Expired codes are kept this long (a late poll still gets expired_token), then deleted. */
const PURGE_AFTER_S = 3600;
const WINDOW_S = 60;

const countRow = z.object({ count: z.number(), retry_after_s: z.number().nullable() });

/**
 * Admits one unauthenticated `POST /v1/device/code` from `clientIp`, inside the caller's
 * transaction: the per-address advisory lock makes concurrent floods count one by one, across
 * replicas. Throws ResourceExhausted with a `retry-after` (seconds) when over a limit.
 */
export async function admitDeviceCode(
  tx: DbConnection,
  clientIp: string,
  limits: DeviceCodeLimits,
): Promise<void> {
  await tx.query(sql.unsafe`SELECT pg_advisory_xact_lock(hashtext(${`device-code:${clientIp}`}))`);
  await tx.query(sql.unsafe`
    DELETE FROM device_codes WHERE expires_at < now() - make_interval(secs => ${PURGE_AFTER_S})`);
  const recent = await tx.one(sql.type(countRow)`
    SELECT count(*)::int AS count,
      ceil(extract(epoch FROM min(created_at) + make_interval(secs => ${WINDOW_S}) - now()))::int
        AS retry_after_s
    FROM device_codes
    WHERE client_ip = ${clientIp} AND created_at > now() - make_interval(secs => ${WINDOW_S})`);
  if (recent.count >= limits.perIpPerMinute)
    throw limited(
      `at most ${limits.perIpPerMinute} device codes per minute from one address`,
      recent.retry_after_s,
    );
  const pending = await tx.one(sql.type(countRow)`
    SELECT count(*)::int AS count,
      ceil(extract(epoch FROM min(expires_at) - now()))::int AS retry_after_s
    FROM device_codes WHERE status = 'pending' AND expires_at > now()`);
  if (pending.count >= limits.maxPending)
    throw limited("too many device codes are pending; try again later", pending.retry_after_s);
}

function limited(message: string, retryAfterS: number | null): ConnectError {
  const seconds = Math.max(1, Math.min(retryAfterS ?? WINDOW_S, 3600));
  return new ConnectError(message, Code.ResourceExhausted, { "retry-after": String(seconds) });
}
