// SQL of batched settlements (settle-batch.ts): a fixed number of statements per batch, however
// many holds it settles. Every function takes the caller's transaction.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import type { SettlementFigures } from "./money.js";
import type { LeasedHold } from "./settle.js";
import { holdRow, type Entry, type HoldRow, type SettlementInsert } from "./store.js";

const settledRow = z.object({
  request_id: z.string(),
  referrer_id: z.string().nullable(),
  charged_micro_usd: z.bigint().nullable(),
  provider_credit_micro_usd: z.bigint().nullable(),
  platform_fee_micro_usd: z.bigint().nullable(),
  released_micro_usd: z.bigint().nullable(),
});

/**
 * Locks the holds of these requests (FOR UPDATE, in request id order, so two batches, a batch
 * and the sweeper or a heartbeat cannot deadlock) and returns those that exist.
 */
export async function lockHolds(
  connection: DbConnection,
  requestIds: readonly string[],
): Promise<Map<string, HoldRow>> {
  const rows = await connection.any(sql.type(holdRow)`
    SELECT request_id, consumer_id, claim_id, input_micro_usd_per_million, output_micro_usd_per_million, held_micro_usd, lease_id, lease_epoch
    FROM ledger_holds WHERE request_id = ANY(${sql.array(requestIds, "text")})
    ORDER BY request_id FOR UPDATE`);
  return new Map(rows.map((row) => [row.request_id, row]));
}

/**
 * Writes the rows of holds placed against credit leases (they lived in memory until now).
 * Returns the request ids written; one whose id is already taken is not (its earlier hold
 * stands, and a settlement replays it).
 */
export async function insertLeasedHolds(
  connection: DbConnection,
  holds: readonly LeasedHold[],
): Promise<Set<string>> {
  if (holds.length === 0) return new Set();
  const rows = holds.map((hold) => [
    hold.requestId,
    hold.consumerId,
    hold.model,
    hold.price.inputMicroUsdPerMillion,
    hold.price.outputMicroUsdPerMillion,
    hold.heldMicroUsd,
    hold.apiKeyId,
    hold.leaseId,
    hold.epoch,
    hold.claim?.claimId ?? null,
    hold.claim?.clientRequestId ?? null,
  ]);
  const claims = holds.flatMap((hold) =>
    hold.claim === undefined
      ? []
      : [
          [
            hold.consumerId,
            hold.claim.clientRequestId,
            hold.claim.claimId,
            Buffer.from(hold.claim.fingerprint).toString("hex"),
          ],
        ],
  );
  // The claims of generated request ids go in with the holds, in the same statement.
  const claimed =
    claims.length === 0
      ? sql.fragment``
      : sql.fragment`WITH claimed AS (
          INSERT INTO ledger_request_claims (consumer_id, client_request_id, claim_id, request_fingerprint)
          SELECT c.consumer_id, c.client_request_id, c.claim_id, decode(c.fingerprint, 'hex')
          FROM ${sql.unnest(claims, ["text", "text", "text", "text"])}
            AS c(consumer_id, client_request_id, claim_id, fingerprint)
          ON CONFLICT (consumer_id, client_request_id) DO NOTHING)`;
  const written = await connection.any(sql.type(z.object({ request_id: z.string() }))`
    ${claimed}
    INSERT INTO ledger_holds (request_id, consumer_id, model, input_micro_usd_per_million,
      output_micro_usd_per_million, held_micro_usd, api_key_id, lease_id, lease_epoch,
      claim_id, client_request_id)
    SELECT * FROM ${sql.unnest(rows, ["text", "text", "text", "int8", "int8", "int8", "text", "text", "int8", "text", "text"])}
    ON CONFLICT (request_id) DO NOTHING
    RETURNING request_id`);
  return new Set(written.map((row) => row.request_id));
}

export type HoldState = {
  /** The recorded settlement's figures; null while the hold is open. */
  readonly recorded: SettlementFigures | null;
  /** Whoever referred the hold's consumer. */
  readonly referrerId: string | null;
};

/**
 * For each existing hold: its settlement if one was recorded, and its consumer's referrer. Run
 * after {@link lockHolds}: this statement's snapshot then includes any settlement committed by
 * a transaction the lock waited for.
 */
export async function readHoldStates(
  connection: DbConnection,
  requestIds: readonly string[],
): Promise<Map<string, HoldState>> {
  const rows = await connection.any(sql.type(settledRow)`
    SELECT h.request_id, r.referrer_id, s.charged_micro_usd, s.provider_credit_micro_usd,
           s.platform_fee_micro_usd, s.released_micro_usd
    FROM ledger_holds h
    LEFT JOIN ledger_settlements s ON s.request_id = h.request_id
    LEFT JOIN referrals r ON r.account_id = h.consumer_id
    WHERE h.request_id = ANY(${sql.array(requestIds, "text")})`);
  return new Map(
    rows.map((row) => [
      row.request_id,
      {
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
      },
    ]),
  );
}

export type BatchedSettlement = {
  readonly entries: readonly Entry[];
  readonly record: Omit<SettlementInsert, "transactionId">;
};

/**
 * Writes the settlements in one statement: the accounts they post to that do not exist yet, per
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
  const records = settlements.map(({ record }) => [
    record.hold.request_id,
    record.providerId,
    record.usage.promptTokens,
    record.usage.completionTokens,
    record.hold.input_micro_usd_per_million,
    record.hold.output_micro_usd_per_million,
    record.figures.chargedMicroUsd,
    record.figures.providerCreditMicroUsd,
    record.figures.platformFeeMicroUsd,
    record.figures.releasedMicroUsd,
    record.referrerId,
    record.referralMicroUsd,
    record.generationId,
    record.swept,
    record.machineId,
  ]);
  await connection.query(sql.unsafe`
    WITH created AS (
      INSERT INTO ledger_accounts (id)
      SELECT a.id FROM unnest(${sql.array([...new Set(accounts)].sort(), "text")}) AS a(id)
      ON CONFLICT (id) DO NOTHING
    ), tx AS (
      INSERT INTO ledger_transactions (kind, reference)
      SELECT 'settle', t.reference FROM unnest(${sql.array(posted, "text")}) WITH ORDINALITY AS t(reference, n)
      ORDER BY t.n
      RETURNING id, reference
    ), entries AS (
      INSERT INTO ledger_entries (transaction_id, account, amount_micro_usd)
      SELECT tx.id, e.account, e.amount
      FROM ${sql.unnest(entries, ["text", "text", "int8"])} AS e(reference, account, amount)
      JOIN tx ON tx.reference = e.reference
      ORDER BY tx.id, e.account
    )
    INSERT INTO ledger_settlements (
      request_id, provider_id, prompt_tokens, completion_tokens,
      input_micro_usd_per_million, output_micro_usd_per_million,
      charged_micro_usd, provider_credit_micro_usd, platform_fee_micro_usd, released_micro_usd,
      referrer_id, referral_micro_usd, transaction_id, generation_id, swept, machine_id)
    SELECT s.request_id, s.provider_id, s.prompt_tokens, s.completion_tokens,
           s.input_price, s.output_price, s.charged, s.provider_credit, s.platform_fee, s.released,
           s.referrer_id, s.referral, tx.id, nullif(s.generation_id, ''), s.swept,
           nullif(s.machine_id, '')
    FROM ${sql.unnest(records, [
      "text",
      "text",
      "int8",
      "int8",
      "int8",
      "int8",
      "int8",
      "int8",
      "int8",
      "int8",
      "text",
      "int8",
      "text",
      "bool",
      "text",
    ])} WITH ORDINALITY AS s(request_id, provider_id, prompt_tokens, completion_tokens,
        input_price, output_price, charged, provider_credit, platform_fee, released,
        referrer_id, referral, generation_id, swept, machine_id, n)
    LEFT JOIN tx ON tx.reference = s.request_id
    ORDER BY s.n`);
}
