// Figures for the public network stats (GET /v1/stats): totals over settlements, no identities.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

export interface TokensServed {
  promptTokens: bigint;
  completionTokens: bigint;
  /** Start of the counted period (the current UTC day), epoch milliseconds. */
  sinceMs: number;
}

const totalsRow = z.object({
  prompt_tokens: z.bigint(),
  completion_tokens: z.bigint(),
  since_ms: z.number(),
});

/** Tokens settled since 00:00 UTC today (prompt and completion), summed over every request. */
export async function tokensServedToday(connection: DbConnection): Promise<TokensServed> {
  const row = await connection.one(sql.type(totalsRow)`
    WITH day AS (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start)
    SELECT COALESCE(sum(s.prompt_tokens), 0)::bigint AS prompt_tokens,
           COALESCE(sum(s.completion_tokens), 0)::bigint AS completion_tokens,
           (extract(epoch FROM day.start) * 1000)::float8 AS since_ms
    FROM day LEFT JOIN ledger_settlements s ON s.created_at >= day.start
    GROUP BY day.start`);
  return {
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    sinceMs: row.since_ms,
  };
}
