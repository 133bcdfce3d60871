// Settled requests' key usage, many at once in ONE statement (so no explicit transaction): each
// request's key reservation is dropped and its tokens and charge are added to its key's rate
// window (current second) and period spend, summed per key. Being one statement, it commits as a
// whole: no admission ever sees a reservation dropped without its usage counted, or both.
import { sql, type DbConnection } from "@darkbloom/db";
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
 * Records the usages in one statement: a fixed number of statements however many requests and
 * keys there are. Principals that are not API keys (JWT sessions) have nothing to record. The
 * keys are looked up once per key (their budget period), in key order, so concurrent batches
 * on several replicas take the per-key rows in the same order.
 */
export async function settleKeyUsages(
  connection: DbConnection,
  usages: readonly KeyUsage[],
): Promise<void> {
  const keyed = usages.filter((u) => UUID.test(u.keyId));
  if (keyed.length === 0) return;
  const rows = keyed.map((u) => [u.keyId, u.requestId, String(u.tokens), String(u.costMicroUsd)]);
  await connection.query(sql.unsafe`
    WITH usage AS (
      SELECT * FROM ${sql.unnest(rows, ["uuid", "text", "int8", "int8"])}
        AS u(key_id, request_id, tokens, micro_usd)
    ), released AS (
      DELETE FROM api_key_reservations r USING usage u WHERE r.request_id = u.request_id
    ), per_key AS (
      SELECT k.id AS key_id, k.budget_period,
        sum(u.tokens)::int8 AS tokens, sum(u.micro_usd)::int8 AS micro_usd
      FROM usage u JOIN api_keys k ON k.id = u.key_id
      GROUP BY k.id, k.budget_period
    ), pruned AS (
      DELETE FROM api_key_rate_seconds w USING per_key p
      WHERE w.key_id = p.key_id AND w.second_start <= now() - make_interval(secs => ${WINDOW_SECONDS})
    ), counted AS (
      INSERT INTO api_key_rate_seconds AS w (key_id, second_start, requests, tokens)
      SELECT key_id, date_trunc('second', now()), 0, tokens FROM per_key ORDER BY key_id
      ON CONFLICT (key_id, second_start) DO UPDATE SET tokens = w.tokens + EXCLUDED.tokens
    )
    INSERT INTO api_key_spend AS s (key_id, period_start, spent_micro_usd)
    SELECT key_id, date_trunc(budget_period, now()), micro_usd FROM per_key ORDER BY key_id
    ON CONFLICT (key_id, period_start) DO UPDATE SET spent_micro_usd = s.spent_micro_usd + EXCLUDED.spent_micro_usd`);
}
