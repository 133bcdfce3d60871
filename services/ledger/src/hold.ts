import { ConnectError, Code } from "@connectrpc/connect";
import type { DbConnection } from "@darkbloom/db";
import { consumerAccount, holdAccount } from "./ledger-accounts.js";
import { insufficientBalance, requestIdCompleted, requireId } from "./ledger-errors.js";
import { costMicroUsd } from "./money.js";
import { claimRequestId, requestClaimOf } from "./request-claims.js";
import {
  claimHold,
  findHold,
  findPrice,
  findSettlement,
  lockAccounts,
  postTransaction,
  setHoldTransaction,
} from "./store.js";

export type HoldInput = {
  readonly requestId: string;
  readonly accountId: string;
  readonly model: string;
  readonly maxPromptTokens: number;
  readonly maxCompletionTokens: number;
  /** The consumer's x-request-id, claimed per account (request-claims.ts); empty: no claim. */
  readonly clientRequestId?: string;
  readonly claimId?: string;
  readonly requestFingerprint?: Uint8Array;
  /** The API key that made the request (usage by key); empty or absent: none. */
  readonly apiKeyId?: string;
};

/**
 * Moves the worst-case price of the request from the consumer's wallet to its hold account.
 * Idempotent on the coordinator's request id while the hold is open (an internal retry returns
 * the amount already held); a settled hold is never held again. A consumer's request id reused by
 * another request is refused (request-claims.ts). Run inside a transaction.
 */
export async function placeHold(connection: DbConnection, input: HoldInput): Promise<bigint> {
  const requestId = requireId(input.requestId, "request_id");
  const consumerId = requireId(input.accountId, "account_id");
  const claim = requestClaimOf(input);
  if (claim !== null) await claimRequestId(connection, consumerId, claim);
  const price = await findPrice(connection, input.model);
  const held = costMicroUsd(price, {
    promptTokens: BigInt(input.maxPromptTokens),
    completionTokens: BigInt(input.maxCompletionTokens),
  });
  if (
    !(await claimHold(connection, {
      requestId,
      consumerId,
      model: input.model,
      price,
      heldMicroUsd: held,
      claim,
      apiKeyId: input.apiKeyId || null,
    }))
  ) {
    return replayedHold(connection, requestId, consumerId, claim?.claimId ?? null);
  }
  const wallet = consumerAccount(consumerId);
  const balances = await lockAccounts(connection, [wallet, holdAccount(consumerId)]);
  const available = balances.get(wallet) ?? 0n;
  if (available < held) {
    throw insufficientBalance(consumerId, held, available);
  }
  const transactionId = await postTransaction(connection, "hold", requestId, [
    { account: wallet, amountMicroUsd: -held },
    { account: holdAccount(consumerId), amountMicroUsd: held },
  ]);
  await setHoldTransaction(connection, requestId, transactionId);
  return held;
}

/** An internal retry of the same open hold returns what it holds; anything else is refused. */
async function replayedHold(
  connection: DbConnection,
  requestId: string,
  consumerId: string,
  claimId: string | null,
): Promise<bigint> {
  const existing = await findHold(connection, requestId, "for update");
  if (existing === null || existing.consumer_id !== consumerId || existing.claim_id !== claimId) {
    throw new ConnectError(`request_id ${requestId} belongs to another hold`, Code.AlreadyExists);
  }
  if ((await findSettlement(connection, requestId)) !== null) throw requestIdCompleted();
  return existing.held_micro_usd;
}
