// In-flight worst cases per key: TPM and budget admission count them, so a burst of concurrent
// requests cannot overshoot a key's limits by their own cost. A reservation is placed (checked
// and inserted under the key's row lock, so replicas serialise on it) before the ledger hold, and
// replaced by the actual usage when the request settles, or dropped when its hold is swept.
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { recordKeyUsage, type Admission } from "./key-limits.js";

export type WorstCase = { readonly tokens: bigint; readonly costMicroUsd: bigint };

const stateRow = z.object({
  tpm_limit: z.bigint().nullable(),
  budget_micro_usd: z.bigint().nullable(),
  spent_micro_usd: z.bigint(),
  window_tokens: z.bigint(),
  reserved_tokens: z.bigint(),
  reserved_micro_usd: z.bigint(),
  seconds_left: z.number(),
});
const lockedRow = z.object({ id: z.string() });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Admits the request's worst case against the key's budget and TPM, counting the worst cases
 * of the key's other open requests: spent + reserved + this ≤ budget, window tokens + reserved
 * + this ≤ TPM (a request larger than the whole TPM limit is admitted only when nothing else is
 * counted in the window, else it could never run). Admitted → the worst case stays reserved
 * under `requestId` until {@link settleKeyReservation} or {@link releaseKeyReservation}.
 * Idempotent on the request id. Non-API-key principals have no limits.
 */
export async function reserveKeyBudget(
  pool: DatabasePool,
  keyId: string,
  requestId: string,
  worst: WorstCase,
): Promise<Admission> {
  if (!UUID.test(keyId)) return { kind: "admitted" };
  return pool.transaction(async (tx) => {
    // The row lock serialises every replica's admission for this key; each following statement
    // sees what the previous lock holder committed (READ COMMITTED takes a fresh snapshot).
    const locked = await tx.maybeOne(
      sql.type(lockedRow)`SELECT id::text FROM api_keys WHERE id = ${keyId} FOR UPDATE`,
    );
    if (locked === null) return { kind: "admitted" };
    const s = await tx.one(sql.type(stateRow)`
      SELECT k.tpm_limit, k.budget_micro_usd,
        coalesce((SELECT spent_micro_usd FROM api_key_spend
          WHERE key_id = k.id AND period_start = date_trunc(k.budget_period, now())), 0)::int8 AS spent_micro_usd,
        coalesce((SELECT tokens FROM api_key_rate_windows
          WHERE key_id = k.id AND window_start = date_trunc('minute', now())), 0)::int8 AS window_tokens,
        coalesce((SELECT sum(tokens) FROM api_key_reservations
          WHERE key_id = k.id AND request_id <> ${requestId}), 0)::int8 AS reserved_tokens,
        coalesce((SELECT sum(micro_usd) FROM api_key_reservations
          WHERE key_id = k.id AND request_id <> ${requestId}), 0)::int8 AS reserved_micro_usd,
        ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))::int4 AS seconds_left
      FROM api_keys k WHERE k.id = ${keyId}`);
    if (s.budget_micro_usd === null && s.tpm_limit === null) return { kind: "admitted" };
    const committed = s.spent_micro_usd + s.reserved_micro_usd;
    if (s.budget_micro_usd !== null && committed + worst.costMicroUsd > s.budget_micro_usd) {
      return {
        kind: "budget_exceeded",
        spentMicroUsd: committed,
        budgetMicroUsd: s.budget_micro_usd,
      };
    }
    const counted = s.window_tokens + s.reserved_tokens;
    if (s.tpm_limit !== null && counted + worst.tokens > s.tpm_limit && counted > 0n) {
      return {
        kind: "rate_limited",
        limit: "tpm",
        retryAfterSeconds: Math.max(1, s.seconds_left),
      };
    }
    await tx.query(sql.unsafe`
      INSERT INTO api_key_reservations (request_id, key_id, tokens, micro_usd)
      VALUES (${requestId}, ${keyId}, ${worst.tokens}::int8, ${worst.costMicroUsd}::int8)
      ON CONFLICT (request_id) DO NOTHING`);
    return { kind: "admitted" };
  });
}

/**
 * The request settled: its reservation is replaced by the actual usage in one transaction, so
 * no admission ever sees both or neither.
 */
export async function settleKeyReservation(
  pool: DatabasePool,
  keyId: string,
  requestId: string,
  usage: WorstCase,
): Promise<void> {
  await pool.transaction(async (tx) => {
    await releaseKeyReservation(tx, requestId);
    await recordKeyUsage(tx, keyId, usage);
  });
}

/** Drops a request's reservation (hold refused, or hold swept): nothing was charged. */
export async function releaseKeyReservation(
  connection: DbConnection,
  requestId: string,
): Promise<void> {
  await connection.query(
    sql.unsafe`DELETE FROM api_key_reservations WHERE request_id = ${requestId}`,
  );
}
