import type { ConnectError } from "@connectrpc/connect";
import type { DbConnection } from "@darkbloom/db";
import type { SettlementFigures } from "./money.js";
import { invalidArgument } from "./ledger-errors.js";
import { referralShareMicroUsd } from "./referrals.js";
import { NO_PROVIDER, noHold, type SettleInput, type SettleOptions } from "./settle.js";
import { settleBatch } from "./settlement-batch-store.js";

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
 * Settles many holds, each exactly as {@link settleHold} would (same plan, same ledger
 * transaction per request, same idempotent replay), in one statement whatever their number, so
 * one round trip (`settleBatch`: ledger migration 012's `ledger_settle_batch`, which plans them
 * with the money rules of money.ts / planSettlement). The statement is its own transaction; given
 * an open transaction it is part of it. Request ids must be distinct. A settlement that cannot be
 * made (no hold, no provider for a charge) gets its error and writes nothing; the others go on.
 * The outcomes are only true once the statement (or the caller's transaction) has committed.
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
  // the share is checked here (the statement trusts it), as planSettlement's referral share does
  referralShareMicroUsd(0n, options.referralSharePercent);
  const rows = new Map(
    (await settleBatch(connection, inputs, options.referralSharePercent)).map((row) => [
      row.request_id,
      row,
    ]),
  );
  return inputs.map((input): SettleOutcome => {
    const row = rows.get(input.requestId);
    if (row === undefined || row.status === "no_hold") {
      return { ok: false, error: noHold(input.requestId) };
    }
    if (row.status === "no_provider") {
      return { ok: false, error: invalidArgument(NO_PROVIDER) };
    }
    const figures: SettlementFigures = {
      chargedMicroUsd: row.charged_micro_usd ?? 0n,
      providerCreditMicroUsd: row.provider_credit_micro_usd ?? 0n,
      platformFeeMicroUsd: row.platform_fee_micro_usd ?? 0n,
      releasedMicroUsd: row.released_micro_usd ?? 0n,
    };
    if (row.from_lease_micro_usd === null) return { ok: true, figures };
    return {
      ok: true,
      figures: {
        ...figures,
        fromLeaseMicroUsd: row.from_lease_micro_usd,
        ...(row.lease_lost === null ? {} : { leaseLost: row.lease_lost }),
      },
    };
  });
}
