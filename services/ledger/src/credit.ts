import { ConnectError, Code } from "@connectrpc/connect";
import type { DbConnection } from "@darkbloom/db";
import { consumerAccount, STRIPE_CLEARING } from "./ledger-accounts.js";
import { invalidArgument, requireId } from "./ledger-errors.js";
import {
  claimCredit,
  findCredit,
  lockAccounts,
  postTransaction,
  setCreditTransaction,
} from "./store.js";

export type CreditInput = {
  readonly accountId: string;
  readonly amountMicroUsd: bigint;
  readonly reason: string;
  readonly idempotencyKey: string;
};

/**
 * Adds funds to a consumer wallet from the clearing account (deposits, invite credit).
 * Idempotent on the key: a replay with the same account and amount changes nothing; a reuse
 * of the key for something else is refused. Run inside a transaction.
 */
export async function creditAccount(connection: DbConnection, input: CreditInput): Promise<void> {
  const consumerId = requireId(input.accountId, "account_id");
  const idempotencyKey = requireId(input.idempotencyKey, "idempotency_key");
  if (input.amountMicroUsd <= 0n) {
    throw invalidArgument("amount_micro_usd must be positive");
  }
  const wallet = consumerAccount(consumerId);
  const credit = {
    idempotencyKey,
    account: wallet,
    amountMicroUsd: input.amountMicroUsd,
    reason: input.reason,
  };
  if (!(await claimCredit(connection, credit))) {
    const earlier = await findCredit(connection, idempotencyKey);
    if (
      earlier === null ||
      earlier.account !== wallet ||
      earlier.amountMicroUsd !== input.amountMicroUsd
    ) {
      throw new ConnectError(
        `idempotency key ${idempotencyKey} was used for a different credit`,
        Code.AlreadyExists,
      );
    }
    return;
  }
  await lockAccounts(connection, [wallet, STRIPE_CLEARING]);
  const transactionId = await postTransaction(connection, "credit", idempotencyKey, [
    { account: STRIPE_CLEARING, amountMicroUsd: -input.amountMicroUsd },
    { account: wallet, amountMicroUsd: input.amountMicroUsd },
  ]);
  await setCreditTransaction(connection, idempotencyKey, transactionId);
}
