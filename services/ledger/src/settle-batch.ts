import { ConnectError } from "@connectrpc/connect";
import type { DbConnection } from "@darkbloom/db";
import type { SettlementFigures } from "./money.js";
import { noHold, planSettlement, type SettleInput, type SettleOptions } from "./settle.js";
import { lockAccounts } from "./store.js";
import {
  insertSettlements,
  lockHolds,
  readHoldStates,
  type BatchedSettlement,
} from "./settlement-batch-store.js";

export type SettleOutcome =
  | { readonly ok: true; readonly figures: SettlementFigures }
  | { readonly ok: false; readonly error: ConnectError };

/**
 * Settles many holds in the caller's transaction, each exactly as {@link settleHold} would (same
 * plan, same ledger transaction per request, same idempotent replay), in five statements
 * whatever their number: lock the holds, read their settlements and referrers, lock the
 * accounts, write everything. Request ids must be distinct. A settlement that cannot be made
 * (no hold, no provider for a charge) gets its error and writes nothing; the others go on. The
 * outcomes are only true once the caller's transaction has committed.
 */
export async function settleHolds(
  connection: DbConnection,
  inputs: readonly SettleInput[],
  options: SettleOptions,
): Promise<SettleOutcome[]> {
  const requestIds = inputs.map((input) => input.requestId);
  const holds = await lockHolds(connection, requestIds);
  const states = await readHoldStates(connection, requestIds);
  const writes: BatchedSettlement[] = [];
  const accounts: string[] = [];
  const outcomes = inputs.map((input): SettleOutcome => {
    const hold = holds.get(input.requestId);
    const state = states.get(input.requestId);
    if (hold === undefined || state === undefined) {
      return { ok: false, error: noHold(input.requestId) };
    }
    if (state.recorded !== null) return { ok: true, figures: state.recorded };
    try {
      const plan = planSettlement(hold, input, state.referrerId, options);
      writes.push(plan);
      accounts.push(...plan.accounts);
      return { ok: true, figures: plan.figures };
    } catch (error) {
      return { ok: false, error: ConnectError.from(error) };
    }
  });
  if (writes.length > 0) {
    await lockAccounts(connection, accounts);
    await insertSettlements(connection, writes);
  }
  return outcomes;
}
