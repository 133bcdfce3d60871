// Pure integer money math in micro-USD (bigint throughout; no floating point).

export type Price = {
  readonly inputMicroUsdPerMillion: bigint;
  readonly outputMicroUsdPerMillion: bigint;
};
export type TokenCounts = { readonly promptTokens: bigint; readonly completionTokens: bigint };
export type SettlementFigures = {
  readonly chargedMicroUsd: bigint;
  readonly providerCreditMicroUsd: bigint;
  readonly platformFeeMicroUsd: bigint;
  readonly releasedMicroUsd: bigint;
};

export const PROVIDER_SHARE_PERCENT = 95n;
const MILLION = 1_000_000n;

/** Cost of these tokens at this price, rounded up to a whole micro-USD. */
export function costMicroUsd(price: Price, tokens: TokenCounts): bigint {
  const scaled =
    tokens.promptTokens * price.inputMicroUsdPerMillion +
    tokens.completionTokens * price.outputMicroUsdPerMillion;
  return (scaled + MILLION - 1n) / MILLION;
}

/**
 * Charge the real usage at the held price, never more than was held (usage beyond the declared
 * maximum is the provider's loss). The provider gets floor(95 %); the platform the remainder, so
 * the split always sums to the charge. The rest of the hold is released.
 */
export function settlementFigures(
  heldMicroUsd: bigint,
  heldPrice: Price,
  usage: TokenCounts,
): SettlementFigures {
  const cost = costMicroUsd(heldPrice, usage);
  const charged = cost < heldMicroUsd ? cost : heldMicroUsd;
  const provider = (charged * PROVIDER_SHARE_PERCENT) / 100n;
  return {
    chargedMicroUsd: charged,
    providerCreditMicroUsd: provider,
    platformFeeMicroUsd: charged - provider,
    releasedMicroUsd: heldMicroUsd - charged,
  };
}
