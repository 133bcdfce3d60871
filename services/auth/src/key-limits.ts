// Per-key RPM, TPM and spend budget, enforced in Postgres so every coordinator replica sees the
// same counters. RPM and TPM count a sliding 60-second window (rate-window.ts); a key with limits
// is admitted under its row lock (`SELECT … FOR UPDATE` on api_keys), so replicas serialise on it.
// In-flight worst cases are reserved in key-limits-reservations.ts.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import {
  addToWindow,
  secondsUntilFreed,
  WINDOW_SECONDS,
  windowRequests,
  windowTokens,
  type RateBucket,
} from "./rate-window.js";

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
      /** The request alone needs more tokens than the key's whole TPM limit: it can never run. */
      readonly kind: "too_large";
      readonly tpmLimit: bigint;
      readonly requestedTokens: bigint;
    }
  | {
      readonly kind: "budget_exceeded";
      readonly spentMicroUsd: bigint;
      readonly budgetMicroUsd: bigint;
    };

/** A key's limits and counters, read under its row lock. */
export type KeyState = {
  readonly rpmLimit: number | null;
  readonly tpmLimit: bigint | null;
  readonly budgetMicroUsd: bigint | null;
  readonly spentMicroUsd: bigint;
  readonly reservedTokens: bigint;
  readonly reservedMicroUsd: bigint;
  readonly window: readonly RateBucket[];
};

/** The key's state, repeated on each of its window's buckets (one row with null bucket when none). */
const stateRow = z.object({
  rpm_limit: z.number().nullable(),
  tpm_limit: z.bigint().nullable(),
  budget_micro_usd: z.bigint().nullable(),
  spent_micro_usd: z.bigint(),
  reserved_tokens: z.bigint(),
  reserved_micro_usd: z.bigint(),
  age_seconds: z.number().nullable(),
  requests: z.number().nullable(),
  tokens: z.bigint().nullable(),
});
const lockedRow = z.object({ id: z.string() });
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Locks the key's row and reads its limits and counters (reservations other than
 * `exceptRequestId`). null: no such key, or a key without limits (nothing to lock for).
 */
export async function lockKeyState(
  tx: DbConnection,
  keyId: string,
  exceptRequestId = "",
): Promise<KeyState | null> {
  // The lock is its own statement: the read below then takes a snapshot that includes what
  // the previous lock holder committed (READ COMMITTED), which one statement would not.
  const locked = await tx.maybeOne(sql.type(lockedRow)`
    SELECT id::text FROM api_keys WHERE id = ${keyId}
      AND (rpm_limit IS NOT NULL OR tpm_limit IS NOT NULL OR budget_micro_usd IS NOT NULL)
    FOR UPDATE`);
  if (locked === null) return null;
  // The limits and counters, and the window's buckets oldest first, in one statement.
  const rows = await tx.any(sql.type(stateRow)`
    WITH s AS MATERIALIZED (
      SELECT k.id, k.rpm_limit, k.tpm_limit, k.budget_micro_usd,
        coalesce((SELECT spent_micro_usd FROM api_key_spend
          WHERE key_id = k.id AND period_start = date_trunc(k.budget_period, now())), 0)::int8 AS spent_micro_usd,
        coalesce((SELECT sum(tokens) FROM api_key_reservations
          WHERE key_id = k.id AND request_id <> ${exceptRequestId}), 0)::int8 AS reserved_tokens,
        coalesce((SELECT sum(micro_usd) FROM api_key_reservations
          WHERE key_id = k.id AND request_id <> ${exceptRequestId}), 0)::int8 AS reserved_micro_usd
      FROM api_keys k WHERE k.id = ${keyId}
    )
    SELECT s.rpm_limit, s.tpm_limit, s.budget_micro_usd, s.spent_micro_usd, s.reserved_tokens,
      s.reserved_micro_usd, extract(epoch FROM now() - w.second_start)::float8 AS age_seconds,
      w.requests, w.tokens
    FROM s LEFT JOIN api_key_rate_seconds w ON w.key_id = s.id
      AND w.second_start > now() - make_interval(secs => ${WINDOW_SECONDS})
    ORDER BY w.second_start`);
  const s = rows[0];
  if (s === undefined) return null;
  return {
    rpmLimit: s.rpm_limit,
    tpmLimit: s.tpm_limit,
    budgetMicroUsd: s.budget_micro_usd,
    spentMicroUsd: s.spent_micro_usd,
    reservedTokens: s.reserved_tokens,
    reservedMicroUsd: s.reserved_micro_usd,
    window: rows.flatMap((r) =>
      r.age_seconds === null || r.requests === null || r.tokens === null
        ? []
        : [{ ageSeconds: r.age_seconds, requests: r.requests, tokens: r.tokens }],
    ),
  };
}

/** TPM refusal with the seconds until the window has freed `excess` tokens. */
export const tpmLimited = (state: KeyState, excess: bigint): Admission => ({
  kind: "rate_limited",
  limit: "tpm",
  retryAfterSeconds: secondsUntilFreed(state.window, (b) => b.tokens, excess),
});

/**
 * Admits one request for the key or says why not (the early check, before the body is parsed:
 * RPM over the last 60 s, and TPM/budget already used up by finished plus in-flight requests;
 * the request's own worst case is checked by `reserveKeyBudget` once it is known). The request
 * is counted only when admitted, under the key's row lock, so concurrent replicas cannot both
 * take the last slot. Keys that are not API keys (JWT sessions) have no limits.
 */
export async function admitKeyRequest(connection: DbConnection, keyId: string): Promise<Admission> {
  if (!UUID.test(keyId)) return { kind: "admitted" };
  return connection.transaction(async (tx) => {
    const state = await lockKeyState(tx, keyId);
    if (state === null) return { kind: "admitted" };
    const committedMicroUsd = state.spentMicroUsd + state.reservedMicroUsd;
    if (state.budgetMicroUsd !== null && committedMicroUsd >= state.budgetMicroUsd) {
      return {
        kind: "budget_exceeded",
        spentMicroUsd: committedMicroUsd,
        budgetMicroUsd: state.budgetMicroUsd,
      };
    }
    const counted = windowTokens(state.window) + state.reservedTokens;
    if (state.tpmLimit !== null && counted >= state.tpmLimit) {
      return tpmLimited(state, counted - state.tpmLimit + 1n);
    }
    const requests = windowRequests(state.window);
    if (state.rpmLimit !== null && requests >= state.rpmLimit) {
      const excess = BigInt(requests - state.rpmLimit + 1);
      return {
        kind: "rate_limited",
        limit: "rpm",
        retryAfterSeconds: secondsUntilFreed(state.window, (b) => BigInt(b.requests), excess),
      };
    }
    if (state.rpmLimit !== null) await addToWindow(tx, keyId, { requests: 1, tokens: 0n });
    return { kind: "admitted" };
  });
}
