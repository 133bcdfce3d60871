import { ConnectError, Code } from "@connectrpc/connect";
import type { DbConnection } from "@darkbloom/db";
import {
  consumerAccount,
  holdAccount,
  leaseAccount,
  PLATFORM_REVENUE,
  providerAccount,
} from "./ledger-accounts.js";
import { invalidArgument, requireId } from "./ledger-errors.js";
import { settlementFigures, type Price, type SettlementFigures } from "./money.js";
import { findReferrer, referralShareMicroUsd } from "./referrals.js";
import { settleHolds, type SettledFigures } from "./settle-batch.js";
import {
  findHold,
  findSettlement,
  insertSettlement,
  lockAccounts,
  postTransaction,
  type Entry,
  type HoldRow,
  type SettlementInsert,
} from "./store.js";

export type SettleOptions = {
  /** Percent of the platform fee paid to the consumer's referrer (0–100). */
  readonly referralSharePercent: number;
};

export type SettleInput = {
  readonly requestId: string;
  /** May be empty only when nothing is charged (e.g. the request never reached a provider). */
  readonly providerAccountId: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** The response's generation id (usage can be looked up by it); empty when unknown. */
  readonly generationId?: string;
  /** The machine (provider id) that served it; empty when unknown. */
  readonly machineId?: string;
  /** Set by the stuck-hold sweeper: the request never settled in time, nothing is charged. */
  readonly swept?: boolean;
  /** The hold was placed in memory against a credit lease (credit-leases.ts), not in Postgres. */
  readonly leased?: LeasedHold;
};

/** A hold placed against a replica's credit lease; written to Postgres with its settlement. */
export type LeasedHold = {
  readonly requestId: string;
  readonly consumerId: string;
  readonly model: string;
  readonly price: Price;
  readonly heldMicroUsd: bigint;
  readonly apiKeyId: string | null;
  readonly leaseId: string;
  readonly epoch: bigint;
  /**
   * The coordinator-generated request id the request was claimed under (the consumer sent
   * none): recorded with the hold, and claimed, when it settles.
   */
  readonly claim?: {
    readonly clientRequestId: string;
    readonly claimId: string;
    readonly fingerprint: Uint8Array;
  };
};

/** What settling one hold writes: the accounts it touches, its ledger entries and its record. */
export type SettlementPlan = {
  readonly figures: SettlementFigures;
  /** Every account the entries touch (to lock, in id order, before posting). */
  readonly accounts: readonly string[];
  /** The settlement's ledger transaction; zero amounts are dropped when posting. */
  readonly entries: readonly Entry[];
  /** The `ledger_settlements` row, but for the ledger transaction's id. */
  readonly record: Omit<SettlementInsert, "transactionId">;
};

export const noHold = (requestId: string): ConnectError =>
  new ConnectError(`no hold for request ${requestId}`, Code.NotFound);

/**
 * Charges the real usage at the held price: provider gets floor(95 %), platform the rest, the
 * remainder of the hold goes back to the consumer. When the consumer was referred, the
 * referrer's wallet gets `referralSharePercent` of the platform fee (rounded down), the platform
 * the rest. Pure: the caller has locked the open hold and read the referrer.
 */
export function planSettlement(
  hold: HoldRow,
  input: SettleInput,
  referrerId: string | null,
  options: SettleOptions,
): SettlementPlan {
  const usage = {
    promptTokens: BigInt(input.promptTokens),
    completionTokens: BigInt(input.completionTokens),
  };
  const figures = settlementFigures(
    hold.held_micro_usd,
    {
      inputMicroUsdPerMillion: hold.input_micro_usd_per_million,
      outputMicroUsdPerMillion: hold.output_micro_usd_per_million,
    },
    usage,
  );
  if (figures.providerCreditMicroUsd > 0n && input.providerAccountId.length === 0) {
    throw invalidArgument("provider_account_id is required when usage is charged");
  }
  const provider = providerAccount(input.providerAccountId);
  const referral =
    referrerId === null
      ? 0n
      : referralShareMicroUsd(figures.platformFeeMicroUsd, options.referralSharePercent);
  const referrer = referrerId === null ? "" : consumerAccount(referrerId);
  // A leased hold is charged from its lease; what it does not charge stays in the lease.
  const source: readonly Entry[] =
    hold.lease_id === null
      ? [
          { account: holdAccount(hold.consumer_id), amountMicroUsd: -hold.held_micro_usd },
          { account: consumerAccount(hold.consumer_id), amountMicroUsd: figures.releasedMicroUsd },
        ]
      : [{ account: leaseAccount(hold.lease_id), amountMicroUsd: -figures.chargedMicroUsd }];
  return {
    figures,
    accounts: [
      ...source.map((entry) => entry.account),
      PLATFORM_REVENUE,
      ...(figures.providerCreditMicroUsd > 0n ? [provider] : []),
      ...(referral > 0n ? [referrer] : []),
    ],
    entries: [
      ...source,
      { account: provider, amountMicroUsd: figures.providerCreditMicroUsd },
      { account: PLATFORM_REVENUE, amountMicroUsd: figures.platformFeeMicroUsd - referral },
      { account: referrer, amountMicroUsd: referral },
    ],
    record: {
      hold,
      providerId: input.providerAccountId,
      usage,
      figures,
      referrerId,
      referralMicroUsd: referral,
      generationId: input.generationId ?? "",
      machineId: input.machineId ?? "",
      swept: input.swept ?? false,
    },
  };
}

/**
 * Settles one hold (see {@link planSettlement}). Idempotent on request id: a replay returns the
 * recorded figures and writes nothing. Run inside a transaction. The LedgerService settles in
 * batches (settle-batch.ts); this one-at-a-time path serves the stuck-hold sweeper and a batch's
 * fallback.
 */
export async function settleHold(
  connection: DbConnection,
  input: SettleInput,
  options: SettleOptions = { referralSharePercent: 0 },
): Promise<SettledFigures> {
  const requestId = requireId(input.requestId, "request_id");
  if (input.leased !== undefined) {
    const [outcome] = await settleHolds(connection, [input], options);
    if (outcome?.ok !== true) throw outcome?.error ?? noHold(requestId);
    return outcome.figures;
  }
  const hold = await findHold(connection, requestId, "for update");
  if (hold === null) throw noHold(requestId);
  const recorded = await findSettlement(connection, requestId);
  if (recorded !== null) {
    return recorded;
  }
  const plan = planSettlement(
    hold,
    input,
    await findReferrer(connection, hold.consumer_id),
    options,
  );
  await lockAccounts(connection, plan.accounts);
  const transactionId = await postTransaction(connection, "settle", requestId, plan.entries);
  await insertSettlement(connection, { ...plan.record, transactionId });
  return plan.figures;
}
