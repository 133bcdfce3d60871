// SQL of batched settlements (settle-batch.ts): one statement per batch, however many holds it
// settles.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import type { SettleInput } from "./settle.js";

const settledRow = z.object({
  request_id: z.string(),
  status: z.enum(["ok", "replay", "no_hold", "no_provider"]),
  charged_micro_usd: z.bigint().nullable(),
  provider_credit_micro_usd: z.bigint().nullable(),
  platform_fee_micro_usd: z.bigint().nullable(),
  released_micro_usd: z.bigint().nullable(),
  from_lease_micro_usd: z.bigint().nullable(),
  lease_lost: z.boolean().nullable(),
});
export type SettledRow = z.infer<typeof settledRow>;

/**
 * Settles the batch in one statement, so one round trip and its own transaction (ledger
 * migration 012, `ledger_settle_batch`): writes the rows of holds placed against credit leases
 * (they lived in memory until now) with the claims of generated request ids, locks the holds of
 * these requests (FOR UPDATE, in request id order, so two batches, a batch and the sweeper or a
 * heartbeat cannot deadlock), then their leases (in id order), reads the holds' recorded
 * settlements (after the lock: it sees one committed by a transaction the lock waited for) and
 * referrers, plans each settlement as settle.ts's `planSettlement` does and writes them all:
 * missing accounts, per settlement its ledger transaction (kind `settle`, reference = request id)
 * with its non-zero entries and its `ledger_settlements` row (the entries' statement trigger,
 * migration 007, locks the accounts in id order, checks each transaction sums to zero and moves
 * the balances). One row per input, in order. Request ids must be distinct.
 */
export async function settleBatch(
  connection: DbConnection,
  inputs: readonly SettleInput[],
  referralSharePercent: number,
): Promise<SettledRow[]> {
  const leased = inputs.flatMap((input) => (input.leased === undefined ? [] : [input.leased]));
  const claims = leased.flatMap((hold) => (hold.claim === undefined ? [] : [hold]));
  const leaseIds = [...new Set(leased.map((hold) => hold.leaseId))].sort();
  const texts = (values: readonly (string | null)[]) => sql.array([...values], "text");
  const int8s = (values: readonly bigint[]) => sql.array([...values], "int8");
  const bools = (values: readonly boolean[]) => sql.array([...values], "bool");
  return [
    ...(await connection.any(sql.type(settledRow)`
    SELECT * FROM ledger_settle_batch(
      ${texts(inputs.map((i) => i.requestId))}, ${texts(inputs.map((i) => i.providerAccountId))},
      ${int8s(inputs.map((i) => BigInt(i.promptTokens)))},
      ${int8s(inputs.map((i) => BigInt(i.completionTokens)))},
      ${texts(inputs.map((i) => i.generationId ?? ""))}, ${texts(inputs.map((i) => i.machineId ?? ""))},
      ${bools(inputs.map((i) => i.swept ?? false))}, ${bools(inputs.map((i) => i.leased !== undefined))},
      ${texts(leased.map((h) => h.requestId))}, ${texts(leased.map((h) => h.consumerId))},
      ${texts(leased.map((h) => h.model))},
      ${int8s(leased.map((h) => h.price.inputMicroUsdPerMillion))},
      ${int8s(leased.map((h) => h.price.outputMicroUsdPerMillion))},
      ${int8s(leased.map((h) => h.heldMicroUsd))}, ${texts(leased.map((h) => h.apiKeyId))},
      ${texts(leased.map((h) => h.leaseId))}, ${int8s(leased.map((h) => h.epoch))},
      ${texts(leased.map((h) => h.claim?.claimId ?? null))},
      ${texts(leased.map((h) => h.claim?.clientRequestId ?? null))},
      ${texts(claims.map((h) => h.consumerId))},
      ${texts(claims.map((h) => h.claim?.clientRequestId ?? ""))},
      ${texts(claims.map((h) => h.claim?.claimId ?? ""))},
      ${texts(claims.map((h) => Buffer.from(h.claim?.fingerprint ?? []).toString("hex")))},
      ${texts(leaseIds)}, ${referralSharePercent})`)),
  ];
}
