// Per-key RPM, TPM and spend budget, enforced in Postgres so every coordinator replica sees the
// same counters: one-minute fixed windows claimed with INSERT … ON CONFLICT DO UPDATE … RETURNING.
// In-flight worst cases are reserved in key-limits-reservations.ts.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

export type BudgetPeriod = "day" | "week" | "month";
export type KeyLimits = {
  readonly rpmLimit: number | null;
  readonly tpmLimit: bigint | null;
  readonly budgetMicroUsd: bigint | null;
  readonly budgetPeriod: BudgetPeriod;
};
export type Admission =
  | { readonly kind: "admitted" }
  | {
      readonly kind: "rate_limited";
      readonly limit: "rpm" | "tpm";
      readonly retryAfterSeconds: number;
    }
  | {
      readonly kind: "budget_exceeded";
      readonly spentMicroUsd: bigint;
      readonly budgetMicroUsd: bigint;
    };

const limitsRow = z.object({
  rpm_limit: z.number().nullable(),
  tpm_limit: z.bigint().nullable(),
  budget_micro_usd: z.bigint().nullable(),
  budget_period: z.enum(["day", "week", "month"]),
  spent_micro_usd: z.bigint(),
  window_requests: z.number(),
  window_tokens: z.bigint(),
  reserved_tokens: z.bigint(),
  reserved_micro_usd: z.bigint(),
  seconds_left: z.number(),
});
const claimedRow = z.object({ requests: z.number() });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Admits one request for the key or says why not (the early check, before the body is parsed:
 * RPM, and TPM/budget already used up by finished plus in-flight requests; the request's own
 * worst case is checked by `reserveKeyBudget` once it is known). The request is counted only when admitted;
 * the check and the count are one statement, so concurrent replicas cannot both take the last
 * slot. Keys that are not API keys (JWT sessions) have no limits.
 */
export async function admitKeyRequest(connection: DbConnection, keyId: string): Promise<Admission> {
  if (!UUID.test(keyId)) return { kind: "admitted" };
  const state = await connection.maybeOne(sql.type(limitsRow)`
    SELECT k.rpm_limit, k.tpm_limit, k.budget_micro_usd, k.budget_period,
      coalesce(s.spent_micro_usd, 0)::int8 AS spent_micro_usd,
      coalesce(w.requests, 0)::int4 AS window_requests,
      coalesce(w.tokens, 0)::int8 AS window_tokens,
      coalesce(r.tokens, 0)::int8 AS reserved_tokens,
      coalesce(r.micro_usd, 0)::int8 AS reserved_micro_usd,
      ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))::int4 AS seconds_left
    FROM api_keys k
    LEFT JOIN api_key_spend s ON s.key_id = k.id AND s.period_start = date_trunc(k.budget_period, now())
    LEFT JOIN api_key_rate_windows w ON w.key_id = k.id AND w.window_start = date_trunc('minute', now())
    LEFT JOIN LATERAL (SELECT sum(tokens) AS tokens, sum(micro_usd) AS micro_usd
      FROM api_key_reservations WHERE key_id = k.id) r ON true
    WHERE k.id = ${keyId}`);
  if (state === null) return { kind: "admitted" };
  const retryAfterSeconds = Math.max(1, state.seconds_left);
  const committedMicroUsd = state.spent_micro_usd + state.reserved_micro_usd;
  if (state.budget_micro_usd !== null && committedMicroUsd >= state.budget_micro_usd) {
    return {
      kind: "budget_exceeded",
      spentMicroUsd: committedMicroUsd,
      budgetMicroUsd: state.budget_micro_usd,
    };
  }
  if (state.tpm_limit !== null && state.window_tokens + state.reserved_tokens >= state.tpm_limit) {
    return { kind: "rate_limited", limit: "tpm", retryAfterSeconds };
  }
  if (state.rpm_limit === null) return { kind: "admitted" };
  const claimed = await connection.maybeOne(sql.type(claimedRow)`
    INSERT INTO api_key_rate_windows AS w (key_id, window_start, requests)
    VALUES (${keyId}, date_trunc('minute', now()), 1)
    ON CONFLICT (key_id, window_start) DO UPDATE SET requests = w.requests + 1
      WHERE w.requests < ${state.rpm_limit}
    RETURNING w.requests`);
  return claimed === null
    ? { kind: "rate_limited", limit: "rpm", retryAfterSeconds }
    : { kind: "admitted" };
}

/** Adds a finished request's tokens to the current window and its cost to the period's spend. */
export async function recordKeyUsage(
  connection: DbConnection,
  keyId: string,
  usage: { readonly tokens: bigint; readonly costMicroUsd: bigint },
): Promise<void> {
  if (!UUID.test(keyId)) return;
  await connection.query(sql.unsafe`
    WITH key AS (SELECT id, budget_period FROM api_keys WHERE id = ${keyId}),
    window_update AS (
      INSERT INTO api_key_rate_windows AS w (key_id, window_start, tokens)
      SELECT id, date_trunc('minute', now()), ${usage.tokens}::int8 FROM key
      ON CONFLICT (key_id, window_start) DO UPDATE SET tokens = w.tokens + EXCLUDED.tokens
    )
    INSERT INTO api_key_spend AS s (key_id, period_start, spent_micro_usd)
    SELECT id, date_trunc(budget_period, now()), ${usage.costMicroUsd}::int8 FROM key
    ON CONFLICT (key_id, period_start) DO UPDATE SET spent_micro_usd = s.spent_micro_usd + EXCLUDED.spent_micro_usd`);
}

/** Drops windows older than an hour (they decide nothing any more). */
export async function pruneRateWindows(connection: DbConnection): Promise<void> {
  await connection.query(sql.unsafe`
    DELETE FROM api_key_rate_windows WHERE window_start < now() - interval '1 hour'`);
}
