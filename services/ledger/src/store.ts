// SQL of the ledger. Every function takes the caller's connection: the caller owns the transaction.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import type { Price, SettlementFigures, TokenCounts } from "./money.js";

export type Entry = { readonly account: string; readonly amountMicroUsd: bigint };
export type TransactionKind =
  | "credit"
  | "hold"
  | "settle"
  | "payout"
  | "payout_paid"
  | "payout_reversal"
  | "lease"
  | "lease_return";

const balanceRow = z.object({ id: z.string(), balance_micro_usd: z.bigint() });
const idRow = z.object({ id: z.bigint() });
const priceRow = z.object({
  model: z.string(),
  input_micro_usd_per_million: z.bigint(),
  output_micro_usd_per_million: z.bigint(),
});
export const holdRow = z.object({
  request_id: z.string(),
  consumer_id: z.string(),
  claim_id: z.string().nullable(),
  input_micro_usd_per_million: z.bigint(),
  output_micro_usd_per_million: z.bigint(),
  held_micro_usd: z.bigint(),
  /** The lease the hold was placed against (credit-leases.ts) and its epoch; null: its own. */
  lease_id: z.string().nullable(),
  lease_epoch: z.bigint().nullable(),
});
export type HoldRow = z.infer<typeof holdRow>;
const settlementRow = z.object({
  charged_micro_usd: z.bigint(),
  provider_credit_micro_usd: z.bigint(),
  platform_fee_micro_usd: z.bigint(),
  released_micro_usd: z.bigint(),
});
const creditRow = z.object({ account: z.string(), amount_micro_usd: z.bigint() });
const requestIdRow = z.object({ request_id: z.string() });
const keyRow = z.object({ idempotency_key: z.string() });

/** Creates missing accounts (not allowed below zero). */
export async function ensureAccounts(
  connection: DbConnection,
  ids: readonly string[],
): Promise<void> {
  await connection.query(sql.unsafe`
    INSERT INTO ledger_accounts (id) SELECT unnest(${sql.array(ids, "text")})
    ON CONFLICT (id) DO NOTHING`);
}

/**
 * Locks the accounts (FOR UPDATE, always in id order so concurrent transactions cannot deadlock)
 * and returns their balances, creating any that do not exist yet.
 */
export async function lockAccounts(
  connection: DbConnection,
  ids: readonly string[],
): Promise<Map<string, bigint>> {
  const sorted = [...new Set(ids)].sort();
  const lock = async (): Promise<Map<string, bigint>> => {
    const rows = await connection.any(sql.type(balanceRow)`
      SELECT id, balance_micro_usd FROM ledger_accounts
      WHERE id = ANY(${sql.array(sorted, "text")}) ORDER BY id FOR UPDATE`);
    return new Map(rows.map((row) => [row.id, row.balance_micro_usd]));
  };
  const balances = await lock();
  if (balances.size === sorted.length) {
    return balances;
  }
  await ensureAccounts(connection, sorted);
  return lock();
}

export async function readBalances(
  connection: DbConnection,
  ids: readonly string[],
): Promise<Map<string, bigint>> {
  const rows = await connection.any(sql.type(balanceRow)`
    SELECT id, balance_micro_usd FROM ledger_accounts WHERE id = ANY(${sql.array(ids, "text")})`);
  return new Map(rows.map((row) => [row.id, row.balance_micro_usd]));
}

/** Writes a ledger transaction and its non-zero entries (the database checks they sum to zero). */
export async function postTransaction(
  connection: DbConnection,
  kind: TransactionKind,
  reference: string,
  entries: readonly Entry[],
): Promise<bigint | null> {
  const nonZero = entries
    .filter((entry) => entry.amountMicroUsd !== 0n)
    .sort((a, b) => (a.account < b.account ? -1 : 1));
  if (nonZero.length === 0) {
    return null;
  }
  const transactionId = await connection.oneFirst(sql.type(idRow)`
    INSERT INTO ledger_transactions (kind, reference) VALUES (${kind}, ${reference}) RETURNING id`);
  await connection.query(sql.unsafe`
    INSERT INTO ledger_entries (transaction_id, account, amount_micro_usd)
    SELECT ${transactionId}, account, amount
    FROM ${sql.unnest(
      nonZero.map((entry) => [entry.account, entry.amountMicroUsd]),
      ["text", "int8"],
    )} AS entry(account, amount)`);
  return transactionId;
}

/** The model's own price, else the default row `'*'`. */
export async function findPrice(
  connection: DbConnection,
  model: string,
): Promise<Price & { model: string }> {
  const row = await connection.one(sql.type(priceRow)`
    SELECT model, input_micro_usd_per_million, output_micro_usd_per_million FROM model_prices
    WHERE model IN (${model}, '*') ORDER BY model = '*' LIMIT 1`);
  return {
    model: row.model,
    inputMicroUsdPerMillion: row.input_micro_usd_per_million,
    outputMicroUsdPerMillion: row.output_micro_usd_per_million,
  };
}

export async function upsertPrice(
  connection: DbConnection,
  model: string,
  price: Price,
): Promise<void> {
  await connection.query(sql.unsafe`
    INSERT INTO model_prices (model, input_micro_usd_per_million, output_micro_usd_per_million)
    VALUES (${model}, ${price.inputMicroUsdPerMillion}, ${price.outputMicroUsdPerMillion})
    ON CONFLICT (model) DO UPDATE SET
      input_micro_usd_per_million = EXCLUDED.input_micro_usd_per_million,
      output_micro_usd_per_million = EXCLUDED.output_micro_usd_per_million,
      updated_at = now()`);
}

export type HoldInsert = {
  readonly requestId: string;
  readonly consumerId: string;
  readonly model: string;
  readonly price: Price;
  readonly heldMicroUsd: bigint;
  /** The claim (HTTP request) the hold belongs to and the consumer's id for it; null: none. */
  readonly claim: { readonly claimId: string; readonly clientRequestId: string } | null;
  /** The API key that made the request; null: a session or an internal caller. */
  readonly apiKeyId?: string | null;
};

/**
 * Claims the request id. Returns false when a hold for it already exists (a concurrent claim
 * waits for the first transaction to finish, then sees the conflict).
 */
export async function claimHold(connection: DbConnection, hold: HoldInsert): Promise<boolean> {
  const claimed = await connection.maybeOne(sql.type(requestIdRow)`
    INSERT INTO ledger_holds (request_id, consumer_id, model, input_micro_usd_per_million, output_micro_usd_per_million, held_micro_usd, claim_id, client_request_id, api_key_id)
    VALUES (${hold.requestId}, ${hold.consumerId}, ${hold.model}, ${hold.price.inputMicroUsdPerMillion},
            ${hold.price.outputMicroUsdPerMillion}, ${hold.heldMicroUsd}, ${hold.claim?.claimId ?? null},
            ${hold.claim?.clientRequestId ?? null}, ${hold.apiKeyId ?? null})
    ON CONFLICT (request_id) DO NOTHING
    RETURNING request_id`);
  return claimed !== null;
}

export async function setHoldTransaction(
  connection: DbConnection,
  requestId: string,
  transactionId: bigint | null,
): Promise<void> {
  await connection.query(sql.unsafe`
    UPDATE ledger_holds SET transaction_id = ${transactionId} WHERE request_id = ${requestId}`);
}

export async function findHold(
  connection: DbConnection,
  requestId: string,
  lock: "for update" | "no lock",
): Promise<HoldRow | null> {
  const forUpdate = lock === "for update" ? sql.fragment`FOR UPDATE` : sql.fragment``;
  return connection.maybeOne(sql.type(holdRow)`
    SELECT request_id, consumer_id, claim_id, input_micro_usd_per_million, output_micro_usd_per_million, held_micro_usd, lease_id, lease_epoch
    FROM ledger_holds WHERE request_id = ${requestId} ${forUpdate}`);
}

export async function findSettlement(
  connection: DbConnection,
  requestId: string,
): Promise<SettlementFigures | null> {
  const row = await connection.maybeOne(sql.type(settlementRow)`
    SELECT charged_micro_usd, provider_credit_micro_usd, platform_fee_micro_usd, released_micro_usd
    FROM ledger_settlements WHERE request_id = ${requestId}`);
  return row === null
    ? null
    : {
        chargedMicroUsd: row.charged_micro_usd,
        providerCreditMicroUsd: row.provider_credit_micro_usd,
        platformFeeMicroUsd: row.platform_fee_micro_usd,
        releasedMicroUsd: row.released_micro_usd,
      };
}

export type SettlementInsert = {
  readonly hold: HoldRow;
  readonly providerId: string;
  readonly usage: TokenCounts;
  readonly figures: SettlementFigures;
  readonly referrerId: string | null;
  readonly referralMicroUsd: bigint;
  readonly transactionId: bigint | null;
  readonly generationId: string;
  readonly machineId: string;
  readonly swept: boolean;
};

export async function insertSettlement(
  connection: DbConnection,
  settlement: SettlementInsert,
): Promise<void> {
  const { hold, figures, usage } = settlement;
  await connection.query(sql.unsafe`
    INSERT INTO ledger_settlements (
      request_id, provider_id, prompt_tokens, completion_tokens,
      input_micro_usd_per_million, output_micro_usd_per_million,
      charged_micro_usd, provider_credit_micro_usd, platform_fee_micro_usd, released_micro_usd,
      referrer_id, referral_micro_usd, transaction_id, generation_id, swept, machine_id)
    VALUES (
      ${hold.request_id}, ${settlement.providerId}, ${usage.promptTokens}, ${usage.completionTokens},
      ${hold.input_micro_usd_per_million}, ${hold.output_micro_usd_per_million},
      ${figures.chargedMicroUsd}, ${figures.providerCreditMicroUsd}, ${figures.platformFeeMicroUsd},
      ${figures.releasedMicroUsd}, ${settlement.referrerId}, ${settlement.referralMicroUsd},
      ${settlement.transactionId}, ${settlement.generationId || null}, ${settlement.swept},
      ${settlement.machineId || null})`);
}

export type CreditInsert = {
  readonly idempotencyKey: string;
  readonly account: string;
  readonly amountMicroUsd: bigint;
  readonly reason: string;
};

/** Claims the idempotency key; false when it was used before. */
export async function claimCredit(
  connection: DbConnection,
  credit: CreditInsert,
): Promise<boolean> {
  const claimed = await connection.maybeOne(sql.type(keyRow)`
    INSERT INTO ledger_credits (idempotency_key, account, amount_micro_usd, reason)
    VALUES (${credit.idempotencyKey}, ${credit.account}, ${credit.amountMicroUsd}, ${credit.reason})
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING idempotency_key`);
  return claimed !== null;
}

export async function setCreditTransaction(
  connection: DbConnection,
  idempotencyKey: string,
  transactionId: bigint | null,
): Promise<void> {
  await connection.query(sql.unsafe`
    UPDATE ledger_credits SET transaction_id = ${transactionId} WHERE idempotency_key = ${idempotencyKey}`);
}

export async function findCredit(
  connection: DbConnection,
  idempotencyKey: string,
): Promise<{ account: string; amountMicroUsd: bigint } | null> {
  const row = await connection.maybeOne(sql.type(creditRow)`
    SELECT account, amount_micro_usd FROM ledger_credits WHERE idempotency_key = ${idempotencyKey}`);
  return row === null ? null : { account: row.account, amountMicroUsd: row.amount_micro_usd };
}
