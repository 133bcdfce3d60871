import { ConnectError } from "@connectrpc/connect";
import type { DbConnection } from "@darkbloom/db";
import type { SettlementFigures } from "./money.js";
import { noHold, planSettlement, type SettleInput, type SettleOptions } from "./settle.js";
import { beginBatch, insertSettlements, type BatchedSettlement } from "./settlement-batch-store.js";

export type SettleOutcome =
  | { readonly ok: true; readonly figures: SettledFigures }
  | { readonly ok: false; readonly error: ConnectError };

/** A settlement's figures; for a leased hold also what this settlement took from the lease. */
export type SettledFigures = SettlementFigures & {
  /** Charged from the lease by this settlement (0: a replay, or the lease was returned). */
  readonly fromLeaseMicroUsd?: bigint;
  /** The lease the hold was placed against had been returned (swept): nothing was charged. */
  readonly leaseLost?: boolean;
};

/**
 * Settles many holds in the caller's transaction, each exactly as {@link settleHold} would (same
 * plan, same ledger transaction per request, same idempotent replay), in two statements
 * whatever their number: one (ledger_settle_batch_begin) writes the leased holds (and their
 * request claims), locks the holds, locks their leases and reads their settlements and
 * referrers; the other writes everything (the accounts are locked, in id order, by the entries'
 * trigger). Request ids must be distinct. A settlement that cannot be made
 * (no hold, no provider for a charge) gets its error and writes nothing; the others go on. The
 * outcomes are only true once the caller's transaction has committed.
 *
 * A hold placed against a credit lease (`input.leased`) is written here, with its settlement:
 * its row first, then it settles like the others but from its lease account, and only while
 * the lease is live at the hold's epoch; against a lease that was returned (swept) it is
 * recorded as swept and charges nothing (its credit already went back to the wallet).
 */
export async function settleHolds(
  connection: DbConnection,
  inputs: readonly SettleInput[],
  options: SettleOptions,
): Promise<SettleOutcome[]> {
  const requestIds = inputs.map((input) => input.requestId);
  const leased = inputs.flatMap((input) => (input.leased === undefined ? [] : [input.leased]));
  const { holds, states, written, leases } = await beginBatch(connection, requestIds, leased);
  const writes: BatchedSettlement[] = [];
  const accounts: string[] = [];
  const outcomes = inputs.map((input): SettleOutcome => {
    const hold = holds.get(input.requestId);
    const state = states.get(input.requestId);
    if (hold === undefined || state === undefined) {
      return { ok: false, error: noHold(input.requestId) };
    }
    if (state.recorded !== null) {
      const figures = state.recorded;
      return {
        ok: true,
        figures: input.leased === undefined ? figures : { ...figures, fromLeaseMicroUsd: 0n },
      };
    }
    if (input.leased !== undefined && !written.has(input.requestId)) {
      return { ok: false, error: noHold(input.requestId) };
    }
    const lease = hold.lease_id === null ? undefined : leases.get(hold.lease_id);
    const leaseLost =
      hold.lease_id !== null && (lease?.active !== true || lease.epoch !== hold.lease_epoch);
    try {
      const plan = planSettlement(
        hold,
        leaseLost
          ? {
              requestId: input.requestId,
              providerAccountId: "",
              promptTokens: 0,
              completionTokens: 0,
              swept: true,
            }
          : input,
        state.referrerId,
        options,
      );
      writes.push(plan);
      accounts.push(...plan.accounts);
      if (hold.lease_id === null) return { ok: true, figures: plan.figures };
      return {
        ok: true,
        figures: { ...plan.figures, fromLeaseMicroUsd: plan.figures.chargedMicroUsd, leaseLost },
      };
    } catch (error) {
      return { ok: false, error: ConnectError.from(error) };
    }
  });
  if (writes.length > 0) await insertSettlements(connection, writes, accounts);
  return outcomes;
}
