import type { DbConnection } from "@darkbloom/db";
import { balanceView } from "./ledger-accounts.js";
import { requireId } from "./ledger-errors.js";
import { leasedMicroUsd } from "./lease-store.js";
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
  const ids = view.held === undefined ? [view.available] : [view.available, view.held];
  const balances = await readBalances(connection, ids);
  const available = balances.get(view.available) ?? 0n;
  const held =
    view.held === undefined
      ? 0n
      : (balances.get(view.held) ?? 0n) +
        (await leasedMicroUsd(connection, view.held.slice("hold:".length)));
  return { balanceMicroUsd: available + held, heldMicroUsd: held, availableMicroUsd: available };
}
