// SQL of batched settlements (settle-batch.ts): two statements per batch, however many holds it
// settles. Every function takes the caller's transaction.
import {
  boolArrayLiteral,
  int8ArrayLiteral,
  sql,
  textArrayLiteral,
  type DbConnection,
} from "@darkbloom/db";
import { z } from "zod";
import type { SettlementFigures } from "./money.js";
import type { LeasedHold } from "./settle.js";
import type { LeaseState } from "./lease-store.js";
import type { Entry, HoldRow, SettlementInsert } from "./store.js";

const beganRow = z.object({
  kind: z.enum(["hold", "lease"]),
  id: z.string(),
  consumer_id: z.string().nullable(),
  claim_id: z.string().nullable(),
  input_micro_usd_per_million: z.bigint().nullable(),
  output_micro_usd_per_million: z.bigint().nullable(),
  held_micro_usd: z.bigint().nullable(),
  lease_id: z.string().nullable(),
  lease_epoch: z.bigint().nullable(),
  written: z.boolean().nullable(),
  referrer_id: z.string().nullable(),
  charged_micro_usd: z.bigint().nullable(),
  provider_credit_micro_usd: z.bigint().nullable(),
  platform_fee_micro_usd: z.bigint().nullable(),
  released_micro_usd: z.bigint().nullable(),
  active: z.boolean().nullable(),
});

export type HoldState = {
  /** The recorded settlement's figures; null while the hold is open. */
  readonly recorded: SettlementFigures | null;
  /** Whoever referred the hold's consumer. */
  readonly referrerId: string | null;
};

/** What {@link beginBatch} found, locked and wrote. */
export type BatchStart = {
  /** The existing holds of the batch's requests (locked). */
  readonly holds: ReadonlyMap<string, HoldRow>;
  /** Per existing hold: its settlement if one was recorded, and its consumer's referrer. */
  readonly states: ReadonlyMap<string, HoldState>;
  /** The request ids of the leased holds written now (one whose id was taken is not). */
  readonly written: ReadonlySet<string>;
  /** The existing leases of the leased holds (locked). */
  readonly leases: ReadonlyMap<string, LeaseState>;
};

/**
 * A batch's first statement, one round trip (ledger migration 012, `ledger_settle_batch_begin`):
 * writes the rows of holds placed against credit leases (they lived in memory until now) with
 * the claims of generated request ids, locks the holds of these requests (FOR UPDATE, in request
 * id order, so two batches, a batch and the sweeper or a heartbeat cannot deadlock), then their
 * leases (in id order), and returns the holds with their recorded settlements (read after the
 * lock: it includes any settlement committed by a transaction the lock waited for) and referrers.
 * Run inside the batch's transaction.
 */
export async function beginBatch(
  connection: DbConnection,
  requestIds: readonly string[],
  leased: readonly LeasedHold[],
): Promise<BatchStart> {
  const claims = leased.flatMap((hold) => (hold.claim === undefined ? [] : [hold]));
  const leaseIds = [...new Set(leased.map((hold) => hold.leaseId))].sort();
  const rows = await connection.any(sql.type(beganRow)`
    SELECT * FROM ledger_settle_batch_begin(
      ${textArrayLiteral(requestIds)}::text[],
      ${textArrayLiteral(leased.map((h) => h.requestId))}::text[], ${textArrayLiteral(leased.map((h) => h.consumerId))}::text[],
      ${textArrayLiteral(leased.map((h) => h.model))}::text[],
      ${int8ArrayLiteral(leased.map((h) => h.price.inputMicroUsdPerMillion))}::int8[],
      ${int8ArrayLiteral(leased.map((h) => h.price.outputMicroUsdPerMillion))}::int8[],
      ${int8ArrayLiteral(leased.map((h) => h.heldMicroUsd))}::int8[], ${textArrayLiteral(leased.map((h) => h.apiKeyId))}::text[],
      ${textArrayLiteral(leased.map((h) => h.leaseId))}::text[], ${int8ArrayLiteral(leased.map((h) => h.epoch))}::int8[],
      ${textArrayLiteral(leased.map((h) => h.claim?.claimId ?? null))}::text[],
      ${textArrayLiteral(leased.map((h) => h.claim?.clientRequestId ?? null))}::text[],
      ${textArrayLiteral(claims.map((h) => h.consumerId))}::text[],
      ${textArrayLiteral(claims.map((h) => h.claim?.clientRequestId ?? ""))}::text[],
      ${textArrayLiteral(claims.map((h) => h.claim?.claimId ?? ""))}::text[],
      ${textArrayLiteral(claims.map((h) => Buffer.from(h.claim?.fingerprint ?? []).toString("hex")))}::text[],
      ${textArrayLiteral(leaseIds)}::text[])`);
  const holds = new Map<string, HoldRow>();
  const states = new Map<string, HoldState>();
  const written = new Set<string>();
  const leases = new Map<string, LeaseState>();
  for (const row of rows) {
    if (row.kind === "lease") {
      leases.set(row.id, { epoch: row.lease_epoch ?? 0n, active: row.active === true });
      continue;
    }
    holds.set(row.id, {
      request_id: row.id,
      consumer_id: row.consumer_id ?? "",
      claim_id: row.claim_id,
      input_micro_usd_per_million: row.input_micro_usd_per_million ?? 0n,
      output_micro_usd_per_million: row.output_micro_usd_per_million ?? 0n,
      held_micro_usd: row.held_micro_usd ?? 0n,
      lease_id: row.lease_id,
      lease_epoch: row.lease_epoch,
    });
    if (row.written === true) written.add(row.id);
    states.set(row.id, {
      referrerId: row.referrer_id,
      recorded:
        row.charged_micro_usd === null
          ? null
          : {
              chargedMicroUsd: row.charged_micro_usd,
              providerCreditMicroUsd: row.provider_credit_micro_usd ?? 0n,
              platformFeeMicroUsd: row.platform_fee_micro_usd ?? 0n,
              releasedMicroUsd: row.released_micro_usd ?? 0n,
            },
    });
  }
  return { holds, states, written, leases };
}

export type BatchedSettlement = {
  readonly entries: readonly Entry[];
  readonly record: Omit<SettlementInsert, "transactionId">;
};

/**
 * Writes the settlements in one statement (ledger migration 012, `ledger_settle_batch_write`,
 * whose plan Postgres keeps for the session): the accounts they post to that do not exist yet, per
 * settlement its own ledger transaction (kind `settle`, reference = request id) with its
 * non-zero entries, and its `ledger_settlements` row pointing at it (no transaction when every
 * amount is zero). The entries' statement trigger (ledger migration 007) locks the accounts in
 * id order, checks each transaction sums to zero and moves the balances.
 */
export async function insertSettlements(
  connection: DbConnection,
  settlements: readonly BatchedSettlement[],
  accounts: readonly string[],
): Promise<void> {
  const entries = settlements.flatMap(({ record, entries }) =>
    entries
      .filter((entry) => entry.amountMicroUsd !== 0n)
      .map((entry): [string, string, bigint] => [
        record.hold.request_id,
        entry.account,
        entry.amountMicroUsd,
      ]),
  );
  const posted = [...new Set(entries.map(([reference]) => reference))];
  const records = settlements.map(({ record }) => record);
  await connection.query(sql.unsafe`
    SELECT ledger_settle_batch_write(
      ${textArrayLiteral([...new Set(accounts)].sort())}::text[], ${textArrayLiteral(posted)}::text[],
      ${textArrayLiteral(entries.map(([reference]) => reference))}::text[],
      ${textArrayLiteral(entries.map(([, account]) => account))}::text[],
      ${int8ArrayLiteral(entries.map(([, , amount]) => amount))}::int8[],
      ${textArrayLiteral(records.map((r) => r.hold.request_id))}::text[],
      ${textArrayLiteral(records.map((r) => r.providerId))}::text[],
      ${int8ArrayLiteral(records.map((r) => r.usage.promptTokens))}::int8[],
      ${int8ArrayLiteral(records.map((r) => r.usage.completionTokens))}::int8[],
      ${int8ArrayLiteral(records.map((r) => r.hold.input_micro_usd_per_million))}::int8[],
      ${int8ArrayLiteral(records.map((r) => r.hold.output_micro_usd_per_million))}::int8[],
      ${int8ArrayLiteral(records.map((r) => r.figures.chargedMicroUsd))}::int8[],
      ${int8ArrayLiteral(records.map((r) => r.figures.providerCreditMicroUsd))}::int8[],
      ${int8ArrayLiteral(records.map((r) => r.figures.platformFeeMicroUsd))}::int8[],
      ${int8ArrayLiteral(records.map((r) => r.figures.releasedMicroUsd))}::int8[],
      ${textArrayLiteral(records.map((r) => r.referrerId))}::text[],
      ${int8ArrayLiteral(records.map((r) => r.referralMicroUsd))}::int8[],
      ${textArrayLiteral(records.map((r) => r.generationId))}::text[], ${boolArrayLiteral(records.map((r) => r.swept))}::bool[],
      ${textArrayLiteral(records.map((r) => r.machineId))}::text[])`);
}
