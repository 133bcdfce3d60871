// Names of ledger accounts. Callers speak in auth account ids; the ledger qualifies them.

export const PLATFORM_REVENUE = "platform:revenue";
export const STRIPE_CLEARING = "platform:stripe_clearing";

export const consumerAccount = (accountId: string): string => `consumer:${accountId}`;
export const providerAccount = (accountId: string): string => `provider:${accountId}`;
/** A replica's lease of a consumer's credit (credit-leases.ts): its holds are placed against it. */
export const leaseAccount = (leaseId: string): string => `lease:${leaseId}`;
/** Where a consumer's in-flight worst-case amounts sit until settled. */
export const holdAccount = (consumerId: string): string => `hold:${consumerId}`;

export type BalanceView = { readonly available: string; readonly held: string | undefined };

/**
 * GetBalance takes a bare account id (a consumer wallet and its hold account) or an already
 * qualified ledger account such as `provider:<id>` or `platform:revenue` (nothing held).
 */
export function balanceView(accountId: string): BalanceView {
  if (accountId.startsWith("consumer:")) {
    return balanceView(accountId.slice("consumer:".length));
  }
  if (/^(provider|hold|platform):/.test(accountId)) {
    return { available: accountId, held: undefined };
  }
  return { available: consumerAccount(accountId), held: holdAccount(accountId) };
}
