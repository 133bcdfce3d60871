// In-flight worst cases per key: TPM and budget admission count them, so a burst of concurrent
// requests cannot overshoot a key's limits by their own cost. A reservation is placed (checked
// and inserted under the key's row lock, so replicas serialise on it) before the ledger hold,
// heartbeated while the request runs, and replaced by the actual usage when the request settles,
// or dropped when its hold is refused or swept, or when its heartbeat stops (pruned).
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";
import { lockKeyState, tpmLimited, UUID, type Admission } from "./key-limits.js";
import { settleKeyUsages } from "./key-usage-batch.js";
import { windowTokens } from "./rate-window.js";

export type WorstCase = { readonly tokens: bigint; readonly costMicroUsd: bigint };

/**
 * Admits the request's worst case against the key's budget and TPM, counting the worst cases
 * of the key's other open requests: spent + reserved + this ≤ budget, tokens in the last 60 s
 * + reserved + this ≤ TPM. A request larger than the whole TPM limit is refused as `too_large`
 * (waiting never helps). Admitted → the worst case stays reserved under `requestId` until
 * {@link settleKeyReservation} or {@link releaseKeyReservation}. Idempotent on the request id.
 * Non-API-key principals have no limits.
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
    const s = await lockKeyState(tx, keyId, requestId);
    if (s === null) return { kind: "admitted" };
    const committed = s.spentMicroUsd + s.reservedMicroUsd;
    if (s.budgetMicroUsd !== null && committed + worst.costMicroUsd > s.budgetMicroUsd) {
      return {
        kind: "budget_exceeded",
        spentMicroUsd: committed,
        budgetMicroUsd: s.budgetMicroUsd,
      };
    }
    if (s.tpmLimit !== null && worst.tokens > s.tpmLimit) {
      return { kind: "too_large", tpmLimit: s.tpmLimit, requestedTokens: worst.tokens };
    }
    const counted = windowTokens(s.window) + s.reservedTokens;
    if (s.tpmLimit !== null && counted + worst.tokens > s.tpmLimit) {
      return tpmLimited(s, counted + worst.tokens - s.tpmLimit);
    }
    await tx.query(sql.unsafe`
      INSERT INTO api_key_reservations (request_id, key_id, tokens, micro_usd)
      VALUES (${requestId}, ${keyId}, ${worst.tokens}::int8, ${worst.costMicroUsd}::int8)
      ON CONFLICT (request_id) DO NOTHING`);
    return { kind: "admitted" };
  });
}

/**
 * The request settled: its reservation is replaced by the actual usage in one statement, so no
 * admission ever sees both or neither (the KeyLimitsService batches these: key-usage-queue.ts).
 */
export async function settleKeyReservation(
  connection: DbConnection,
  keyId: string,
  requestId: string,
  usage: WorstCase,
): Promise<void> {
  await settleKeyUsages(connection, [{ keyId, requestId, ...usage }]);
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

/** The requests are still running: their reservations must not be pruned. */
export async function touchKeyReservations(
  connection: DbConnection,
  requestIds: readonly string[],
): Promise<void> {
  if (requestIds.length === 0) return;
  await connection.query(sql.unsafe`
    UPDATE api_key_reservations SET heartbeat_at = now()
    WHERE request_id = ANY(${sql.array(requestIds, "text")})`);
}

/**
 * Drops reservations whose request stopped heartbeating more than `staleAfterMs` ago (the
 * coordinator died before the hold, or the settlement could not drop it); returns how many.
 */
export async function pruneKeyReservations(
  connection: DbConnection,
  staleAfterMs: number,
): Promise<number> {
  const result = await connection.query(sql.unsafe`
    DELETE FROM api_key_reservations
    WHERE heartbeat_at < now() - (${staleAfterMs} * interval '1 millisecond')`);
  return result.rowCount;
}
