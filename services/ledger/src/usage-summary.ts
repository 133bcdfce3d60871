// An account's usage summed server-side: by (API key, model) — paged, biggest spend first — and
// by UTC day for a chart, over a time window, from the settlement record.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

export const MAX_SUMMARY_WINDOW_MS = 366 * 86_400_000;

export type UsageWindow = {
  /** Inclusive start, epoch milliseconds. */
  readonly sinceMs: number;
  /** Exclusive end, epoch milliseconds. */
  readonly untilMs: number;
};

export type UsageFigures = {
  readonly requests: bigint;
  readonly promptTokens: bigint;
  readonly completionTokens: bigint;
  readonly costMicroUsd: bigint;
};

export type UsageGroup = UsageFigures & {
  /** The API key that made the requests; "" for console sessions and keys not recorded. */
  readonly apiKeyId: string;
  readonly model: string;
};

export type UsageDay = UsageFigures & { readonly dayMs: number };

export type UsageSummary = {
  readonly groups: readonly UsageGroup[];
  /** The `cursor` of the next page of groups; "" at the end. */
  readonly nextCursor: string;
  readonly totals: UsageFigures;
  /** Every UTC day of the window that had usage, oldest first. */
  readonly days: readonly UsageDay[];
};

const figures = {
  requests: z.bigint(),
  prompt_tokens: z.bigint(),
  completion_tokens: z.bigint(),
  cost_micro_usd: z.bigint(),
};
const groupRow = z.object({ api_key_id: z.string(), model: z.string(), ...figures });
const dayRow = z.object({ day_ms: z.number(), ...figures });
const totalsRow = z.object(figures);

const SUMS = sql.fragment`count(*)::int8 AS requests,
  COALESCE(sum(s.prompt_tokens), 0)::int8 AS prompt_tokens,
  COALESCE(sum(s.completion_tokens), 0)::int8 AS completion_tokens,
  COALESCE(sum(s.charged_micro_usd), 0)::int8 AS cost_micro_usd`;

/**
 * `accountId`'s settled requests in the window, summed. Only this account's holds are read: a
 * key of another account never shows up. `cursor` is the previous page's `nextCursor`.
 */
export async function summarizeUsage(
  connection: DbConnection,
  accountId: string,
  window: UsageWindow,
  page: { readonly limit: number; readonly cursor: string },
): Promise<UsageSummary> {
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), 100);
  const offset = /^[0-9]{1,6}$/.test(page.cursor) ? Number(page.cursor) : 0;
  const since = new Date(window.sinceMs).toISOString();
  const until = new Date(window.untilMs).toISOString();
  const scope = sql.fragment`FROM ledger_settlements s JOIN ledger_holds h ON h.request_id = s.request_id
    WHERE h.consumer_id = ${accountId}
      AND s.created_at >= ${since}::timestamptz AND s.created_at < ${until}::timestamptz`;
  const rows = await connection.any(sql.type(groupRow)`
    SELECT COALESCE(h.api_key_id, '') AS api_key_id, h.model, ${SUMS} ${scope}
    GROUP BY 1, 2 ORDER BY cost_micro_usd DESC, requests DESC, 1, 2
    LIMIT ${limit + 1} OFFSET ${offset}`);
  const totals = await connection.one(sql.type(totalsRow)`SELECT ${SUMS} ${scope}`);
  const days = await connection.any(sql.type(dayRow)`
    SELECT (extract(epoch FROM date_trunc('day', s.created_at AT TIME ZONE 'UTC')) * 1000)::float8 AS day_ms,
      ${SUMS} ${scope}
    GROUP BY 1 ORDER BY 1`);
  return {
    groups: rows.slice(0, limit).map((r) => ({
      apiKeyId: r.api_key_id,
      model: r.model,
      ...toFigures(r),
    })),
    nextCursor: rows.length > limit ? String(offset + limit) : "",
    totals: toFigures(totals),
    days: days.map((r) => ({ dayMs: r.day_ms, ...toFigures(r) })),
  };
}

function toFigures(row: z.infer<typeof totalsRow>): UsageFigures {
  return {
    requests: row.requests,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    costMicroUsd: row.cost_micro_usd,
  };
}
