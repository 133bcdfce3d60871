import type { DbConnection } from "@darkbloom/db";
import { balanceView } from "./ledger-accounts.js";
import { requireId } from "./ledger-errors.js";
import { consumerBalances } from "./lease-store.js";
import { readBalances } from "./store.js";

export type Balance = {
  readonly balanceMicroUsd: bigint;
  readonly heldMicroUsd: bigint;
  readonly availableMicroUsd: bigint;
};

/**
 * balance = available + held; an unknown account has all zeros. A consumer's held amount
 * includes the credit its replicas' leases hold (docs/money.md, credit leases).
 */
export async function readBalance(connection: DbConnection, accountId: string): Promise<Balance> {
  const view = balanceView(requireId(accountId, "account_id"));
  if (view.held !== undefined) {
    const { wallet, held, leased } = await consumerBalances(
      connection,
      view.held.slice("hold:".length),
    );
    return {
      balanceMicroUsd: wallet + held + leased,
      heldMicroUsd: held + leased,
      availableMicroUsd: wallet,
    };
  }
  const available = (await readBalances(connection, [view.available])).get(view.available) ?? 0n;
  return { balanceMicroUsd: available, heldMicroUsd: 0n, availableMicroUsd: available };
}
