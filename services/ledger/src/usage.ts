// Usage history: one row per settled request, read from the settlement record.
import { createHash } from "node:crypto";
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

const usageRow = z.object({
  seq: z.bigint(),
  request_id: z.string(),
  consumer_id: z.string(),
  model: z.string(),
  provider_id: z.string(),
  prompt_tokens: z.bigint(),
  completion_tokens: z.bigint(),
  input_micro_usd_per_million: z.bigint(),
  output_micro_usd_per_million: z.bigint(),
  charged_micro_usd: z.bigint(),
  provider_credit_micro_usd: z.bigint(),
  released_micro_usd: z.bigint(),
  created_at: z.number(),
  generation_id: z.string().nullable(),
  swept: z.boolean(),
});

export type UsageRecord = {
  /** The consumer's x-request-id (else the coordinator's own id of the request). */
  readonly requestId: string;
  readonly accountId: string;
  readonly model: string;
  /** A stable pseudonym: consumers never learn which machine served them. Empty when none did. */
  readonly providerPseudonym: string;
  readonly providerId: string;
  readonly promptTokens: bigint;
  readonly completionTokens: bigint;
  readonly inputMicroUsdPerMillion: bigint;
  readonly outputMicroUsdPerMillion: bigint;
  readonly costMicroUsd: bigint;
  readonly providerCreditMicroUsd: bigint;
  readonly releasedMicroUsd: bigint;
  readonly settledAtMs: number;
  /** The response's `x-darkbloom-generation-id`; empty when none was recorded. */
  readonly generationId: string;
  /** Settled by the stuck-hold sweeper (the request never settled in time; nothing charged). */
  readonly swept: boolean;
};

export type UsagePage = { readonly records: readonly UsageRecord[]; readonly nextCursor: string };

const SELECT = sql.fragment`
  SELECT s.seq, coalesce(h.client_request_id, s.request_id) AS request_id, h.consumer_id, h.model, s.provider_id, s.prompt_tokens,
    s.completion_tokens, s.input_micro_usd_per_million, s.output_micro_usd_per_million,
    s.charged_micro_usd, s.provider_credit_micro_usd, s.released_micro_usd, s.created_at,
    s.generation_id, s.swept
  FROM ledger_settlements s JOIN ledger_holds h ON h.request_id = s.request_id`;

export function providerPseudonym(providerId: string): string {
  if (providerId.length === 0) return "";
  return `prov_${createHash("sha256").update(`darkbloom-provider:${providerId}`).digest("hex").slice(0, 12)}`;
}

/** Newest first; `cursor` is the `nextCursor` of the previous page ("" at the end). */
export async function listUsage(
  connection: DbConnection,
  accountId: string,
  page: { readonly limit: number; readonly cursor: string },
): Promise<UsagePage> {
  const before = /^[0-9]{1,18}$/.test(page.cursor) ? BigInt(page.cursor) : null;
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), 100);
  const rows = await connection.any(sql.type(usageRow)`
    ${SELECT}
    WHERE h.consumer_id = ${accountId} ${before === null ? sql.fragment`` : sql.fragment`AND s.seq < ${before}`}
    ORDER BY s.seq DESC LIMIT ${limit + 1}`);
  const records = rows.slice(0, limit).map(toRecord);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { records, nextCursor: last === undefined ? "" : String(last.seq) };
}

/**
 * One request's usage by its request id (`x-request-id`, the consumer's own or the one the
 * coordinator echoed) or generation id (`x-darkbloom-generation-id`), or null when it is
 * unknown, not settled yet, or not this account's. A request id match wins over a generation id
 * match; of a request's holds (one per fallback model tried) the last settled wins. Consumer
 * request ids are per account: they match only when `accountId` is given.
 */
export async function findUsage(
  connection: DbConnection,
  id: string,
  accountId?: string,
): Promise<UsageRecord | null> {
  const owner =
    accountId === undefined ? sql.fragment`` : sql.fragment`AND h.consumer_id = ${accountId}`;
  const clientId =
    accountId === undefined
      ? sql.fragment`false`
      : sql.fragment`coalesce(h.client_request_id = ${id}, false)`;
  const row = await connection.maybeOne(sql.type(usageRow)`
    ${SELECT} WHERE (${clientId} OR s.request_id = ${id} OR s.generation_id = ${id}) ${owner}
    ORDER BY (${clientId} OR s.request_id = ${id}) DESC, s.seq DESC LIMIT 1`);
  return row === null ? null : toRecord(row);
}

function toRecord(row: z.infer<typeof usageRow>): UsageRecord {
  return {
    requestId: row.request_id,
    accountId: row.consumer_id,
    model: row.model,
    providerPseudonym: providerPseudonym(row.provider_id),
    providerId: row.provider_id,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    inputMicroUsdPerMillion: row.input_micro_usd_per_million,
    outputMicroUsdPerMillion: row.output_micro_usd_per_million,
    costMicroUsd: row.charged_micro_usd,
    providerCreditMicroUsd: row.provider_credit_micro_usd,
    releasedMicroUsd: row.released_micro_usd,
    settledAtMs: row.created_at,
    generationId: row.generation_id ?? "",
    swept: row.swept,
  };
}
