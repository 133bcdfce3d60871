import type { DbConnection } from "@darkbloom/db";
import { ledgerHealth, settlementsOf, waitForSettled } from "../testbed/ledger-audit.js";
import type { RequestRecord } from "../testbed/timing/event-bus.js";

const MILLION = 1_000_000n;

/** What a settlement must charge for its tokens at its held price (rounded up to a micro-USD). */
export function expectedCharge(row: {
  prompt_tokens: bigint;
  completion_tokens: bigint;
  input_micro_usd_per_million: bigint;
  output_micro_usd_per_million: bigint;
}): { charged: bigint; provider: bigint; fee: bigint } {
  const scaled =
    row.prompt_tokens * row.input_micro_usd_per_million +
    row.completion_tokens * row.output_micro_usd_per_million;
  const charged = (scaled + MILLION - 1n) / MILLION;
  const provider = (charged * 95n) / 100n;
  return { charged, provider, fee: charged - provider };
}

/**
 * Checks a finished load run against Postgres: the ledger balances, no hold is stuck, every
 * successful request was charged exactly its reported usage at its price with the provider
 * credited 95 % (rounded down), and failed requests were charged at most what they delivered.
 * Returns the problems found (empty: the run's money is right).
 *
 * `providerSwitches`: how many requests the coordinator moved to another provider after naming
 * the first in the response headers (hedges + re-dispatches, from its metrics). Up to that many
 * requests may be credited to a provider other than the header's; the rest must match.
 */
export async function auditAccounting(
  db: DbConnection,
  records: readonly RequestRecord[],
  providerSwitches = 0,
): Promise<string[]> {
  const problems: string[] = [];
  let switched = 0;
  const ids = records.map((r) => r.requestId);
  const stuck = await waitForSettled(db, ids);
  if (stuck.length > 0) problems.push(`holds never settled: ${stuck.join(", ")}`);
  const health = await ledgerHealth(db);
  if (health.totalMicroUsd !== 0n) problems.push(`ledger sums to ${health.totalMicroUsd}, not 0`);
  if (health.unbalancedTransactions > 0)
    problems.push(`${health.unbalancedTransactions} unbalanced transactions`);
  if (health.driftedAccounts > 0) problems.push(`${health.driftedAccounts} drifted balances`);

  const settled = await settlementsOf(db, ids);
  for (const r of records) {
    const s = settled.get(r.requestId);
    if (!s) {
      // Refused before any hold (402, 429, 4xx validation): nothing to settle.
      if (r.error === undefined) problems.push(`${r.requestId}: succeeded but has no settlement`);
      continue;
    }
    const want = expectedCharge(s);
    if (s.charged_micro_usd !== want.charged)
      problems.push(`${r.requestId}: charged ${s.charged_micro_usd}, usage costs ${want.charged}`);
    if (s.provider_credit_micro_usd !== want.provider || s.platform_fee_micro_usd !== want.fee)
      problems.push(
        `${r.requestId}: split ${s.provider_credit_micro_usd}/${s.platform_fee_micro_usd}, want ${want.provider}/${want.fee} (95 %)`,
      );
    if (r.error === undefined) {
      if (
        BigInt(r.usage?.promptTokens ?? -1) !== s.prompt_tokens ||
        BigInt(r.usage?.completionTokens ?? -1) !== s.completion_tokens
      )
        problems.push(
          `${r.requestId}: settled ${s.prompt_tokens}+${s.completion_tokens} tokens, response said ${r.usage?.promptTokens}+${r.usage?.completionTokens}`,
        );
      if (
        r.providerId !== undefined &&
        r.providerId !== s.provider_id &&
        ++switched > providerSwitches
      )
        problems.push(`${r.requestId}: credited ${s.provider_id}, served by ${r.providerId}`);
    } else if (s.completion_tokens > BigInt(r.chunkMs.length) * 8n) {
      problems.push(
        `${r.requestId}: failed after ${r.chunkMs.length} chunks but was charged ${s.completion_tokens} completion tokens`,
      );
    }
  }
  return problems;
}

/**
 * Content checks: every successful answer is non-empty, within its token budget, finished with
 * stop/length, and requests with the same prompt (greedy decoding) got the same text whether
 * streamed or not — a lost, duplicated or reordered chunk shows up as a mismatch.
 */
export function auditContent(
  records: readonly RequestRecord[],
  promptOf: (r: RequestRecord) => string,
): string[] {
  const problems: string[] = [];
  const byPrompt = new Map<string, RequestRecord[]>();
  for (const r of records) {
    if (r.error !== undefined) continue;
    if (r.text.length === 0) problems.push(`${r.requestId}: empty answer`);
    const completion = r.usage?.completionTokens ?? 0;
    if (completion < 1 || completion > r.maxTokens)
      problems.push(`${r.requestId}: ${completion} completion tokens for max ${r.maxTokens}`);
    if (r.finishReason !== "stop" && r.finishReason !== "length")
      problems.push(`${r.requestId}: finish_reason ${String(r.finishReason)}`);
    const key = `${promptOf(r)}\u0000${r.maxTokens}`;
    byPrompt.set(key, [...(byPrompt.get(key) ?? []), r]);
  }
  for (const group of byPrompt.values()) {
    const first = group[0];
    for (const r of group.slice(1)) {
      if (first && r.text !== first.text)
        problems.push(
          `${r.requestId} (${r.stream ? "stream" : "json"}) differs from ${first.requestId} (${first.stream ? "stream" : "json"}) for the same greedy prompt`,
        );
    }
  }
  return problems;
}
