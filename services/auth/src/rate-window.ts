// The sliding 60-second window behind RPM and TPM: one row per key and second
// (`api_key_rate_seconds`), summed over the last 60 s. Every replica writes the same rows, so the
// window is shared; rows older than the window are deleted on each write for the key and by
// `pruneRateWindows` for every key. Admission adds requests here; settled tokens are added in
// batches by key-usage-batch.ts; the window is read with the key's state (key-limits.ts).
import { sql, type DbConnection } from "@darkbloom/db";

export const WINDOW_SECONDS = 60;

/** One second of a key's window: how long ago it started, and what it counted. */
export type RateBucket = {
  readonly ageSeconds: number;
  readonly requests: number;
  readonly tokens: bigint;
};

export const windowRequests = (buckets: readonly RateBucket[]): number =>
  buckets.reduce((sum, b) => sum + b.requests, 0);
export const windowTokens = (buckets: readonly RateBucket[]): bigint =>
  buckets.reduce((sum, b) => sum + b.tokens, 0n);

/**
 * Seconds until the oldest buckets leaving the window have freed at least `excess` of what
 * `amount` measures (at least 1). When the window alone cannot free that much (in-flight
 * reservations count too), the whole window: what settles now leaves it 60 s later.
 */
export function secondsUntilFreed(
  buckets: readonly RateBucket[],
  amount: (bucket: RateBucket) => bigint,
  excess: bigint,
): number {
  let freed = 0n;
  for (const bucket of buckets) {
    freed += amount(bucket);
    if (freed >= excess) return Math.max(1, Math.ceil(WINDOW_SECONDS - bucket.ageSeconds));
  }
  return WINDOW_SECONDS;
}

/**
 * Adds to the key's current second and drops the key's rows that left the window, in one
 * statement. The caller holds the key's row lock (admission), so the key exists.
 */
export async function addToWindow(
  connection: DbConnection,
  keyId: string,
  add: { readonly requests: number; readonly tokens: bigint },
): Promise<void> {
  await connection.query(sql.unsafe`
    WITH pruned AS (
      DELETE FROM api_key_rate_seconds
      WHERE key_id = ${keyId} AND second_start <= now() - make_interval(secs => ${WINDOW_SECONDS})
    )
    INSERT INTO api_key_rate_seconds AS w (key_id, second_start, requests, tokens)
    VALUES (${keyId}, date_trunc('second', now()), ${add.requests}, ${String(add.tokens)}::int8)
    ON CONFLICT (key_id, second_start)
      DO UPDATE SET requests = w.requests + EXCLUDED.requests, tokens = w.tokens + EXCLUDED.tokens`);
}

/** Drops every key's rows that left the window; returns how many. */
export async function pruneRateWindows(connection: DbConnection): Promise<number> {
  const result = await connection.query(sql.unsafe`
    DELETE FROM api_key_rate_seconds
    WHERE second_start <= now() - make_interval(secs => ${WINDOW_SECONDS})`);
  return result.rowCount;
}
