import { ConnectError, Code } from "@connectrpc/connect";
import type { DbConnection } from "@darkbloom/db";
import { consumerAccount, holdAccount } from "./ledger-accounts.js";
import { insufficientBalance, requireId } from "./ledger-errors.js";
import { costMicroUsd } from "./money.js";
import {
  claimHold,
  findHold,
  findPrice,
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
};

/**
 * Moves the worst-case price of the request from the consumer's wallet to its hold account.
 * Idempotent on request id (a replay returns the amount already held). Run inside a transaction.
 */
export async function placeHold(connection: DbConnection, input: HoldInput): Promise<bigint> {
  const requestId = requireId(input.requestId, "request_id");
  const consumerId = requireId(input.accountId, "account_id");
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
    }))
  ) {
    return replayedHold(connection, requestId, consumerId);
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

async function replayedHold(
  connection: DbConnection,
  requestId: string,
  consumerId: string,
): Promise<bigint> {
  const existing = await findHold(connection, requestId, "no lock");
  if (existing === null || existing.consumer_id !== consumerId) {
    throw new ConnectError(
      `request ${requestId} is already held for another account`,
      Code.AlreadyExists,
    );
  }
  return existing.held_micro_usd;
}
