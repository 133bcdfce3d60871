import { ConnectError, Code } from "@connectrpc/connect";
import type { DbConnection } from "@darkbloom/db";
import {
  consumerAccount,
  holdAccount,
  PLATFORM_REVENUE,
  providerAccount,
} from "./ledger-accounts.js";
import { invalidArgument, requireId } from "./ledger-errors.js";
import { settlementFigures, type SettlementFigures } from "./money.js";
import { findReferrer, referralShareMicroUsd } from "./referrals.js";
import {
  findHold,
  findSettlement,
  insertSettlement,
  lockAccounts,
  postTransaction,
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
  /** Set by the stuck-hold sweeper: the request never settled in time, nothing is charged. */
  readonly swept?: boolean;
};

/**
 * Charges the real usage at the held price: provider gets floor(95 %), platform the rest, the
 * remainder of the hold goes back to the consumer. Idempotent on request id: a replay returns
 * the recorded figures and writes nothing. When the consumer was referred, the referrer's wallet
 * gets `referralSharePercent` of the platform fee (rounded down), the platform the rest.
 * Run inside a transaction.
 */
export async function settleHold(
  connection: DbConnection,
  input: SettleInput,
  options: SettleOptions = { referralSharePercent: 0 },
): Promise<SettlementFigures> {
  const requestId = requireId(input.requestId, "request_id");
  const hold = await findHold(connection, requestId, "for update");
  if (hold === null) {
    throw new ConnectError(`no hold for request ${requestId}`, Code.NotFound);
  }
  const recorded = await findSettlement(connection, requestId);
  if (recorded !== null) {
    return recorded;
  }
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
  const referrerId = await findReferrer(connection, hold.consumer_id);
  const referral =
    referrerId === null
      ? 0n
      : referralShareMicroUsd(figures.platformFeeMicroUsd, options.referralSharePercent);
  const referrer = referrerId === null ? "" : consumerAccount(referrerId);
  const accounts = [
    consumerAccount(hold.consumer_id),
    holdAccount(hold.consumer_id),
    PLATFORM_REVENUE,
    ...(figures.providerCreditMicroUsd > 0n ? [provider] : []),
    ...(referral > 0n ? [referrer] : []),
  ];
  await lockAccounts(connection, accounts);
  const transactionId = await postTransaction(connection, "settle", requestId, [
    { account: holdAccount(hold.consumer_id), amountMicroUsd: -hold.held_micro_usd },
    { account: consumerAccount(hold.consumer_id), amountMicroUsd: figures.releasedMicroUsd },
    { account: provider, amountMicroUsd: figures.providerCreditMicroUsd },
    { account: PLATFORM_REVENUE, amountMicroUsd: figures.platformFeeMicroUsd - referral },
    { account: referrer, amountMicroUsd: referral },
  ]);
  await insertSettlement(connection, {
    hold,
    providerId: input.providerAccountId,
    usage,
    figures,
    referrerId,
    referralMicroUsd: referral,
    transactionId,
    generationId: input.generationId ?? "",
    swept: input.swept ?? false,
  });
  return figures;
}
