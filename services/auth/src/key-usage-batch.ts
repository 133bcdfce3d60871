// Settled requests' key usage, many at once in ONE statement (so no explicit transaction): each
// request's key reservation is dropped and its tokens and charge are added to its key's rate
// window (current second) and period spend, summed per key. Being one statement, it commits as a
// whole: no admission ever sees a reservation dropped without its usage counted, or both.
import { int8ArrayLiteral, sql, textArrayLiteral, type DbConnection } from "@darkbloom/db";
import { UUID } from "./key-limits.js";
import { WINDOW_SECONDS } from "./rate-window.js";

/** One settled request: its reservation (if any) becomes its actual usage. */
export type KeyUsage = {
  readonly keyId: string;
  readonly requestId: string;
  readonly tokens: bigint;
  readonly costMicroUsd: bigint;
};

/**
 * Records the usages in one statement, a call of `auth_settle_key_usages` (auth migration 008,
 * whose plan Postgres keeps for the session): one round trip however many requests and keys
 * there are. Principals that are not API keys (JWT sessions) have nothing to record. The
 * keys are looked up once per key (their budget period), in key order, so concurrent batches
 * on several replicas take the per-key rows in the same order.
 */
export async function settleKeyUsages(
  connection: DbConnection,
  usages: readonly KeyUsage[],
): Promise<void> {
  const keyed = usages.filter((u) => UUID.test(u.keyId));
  if (keyed.length === 0) return;
  await connection.query(sql.unsafe`
    SELECT auth_settle_key_usages(
      ${textArrayLiteral(keyed.map((u) => u.keyId))}::uuid[],
      ${textArrayLiteral(keyed.map((u) => u.requestId))}::text[],
      ${int8ArrayLiteral(keyed.map((u) => u.tokens))}::int8[],
      ${int8ArrayLiteral(keyed.map((u) => u.costMicroUsd))}::int8[],
      ${WINDOW_SECONDS})`);
}
