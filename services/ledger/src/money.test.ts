import { expect } from "chai";
import { costMicroUsd, settlementFigures, type Price } from "./money.js";

const price: Price = { inputMicroUsdPerMillion: 500_000n, outputMicroUsdPerMillion: 1_500_000n };

describe("money", () => {
  it("prices tokens per million, rounding up to a whole micro-USD", () => {
    expect(costMicroUsd(price, { promptTokens: 1_000_000n, completionTokens: 0n })).to.equal(
      500_000n,
    );
    expect(costMicroUsd(price, { promptTokens: 1n, completionTokens: 0n })).to.equal(1n);
    expect(costMicroUsd(price, { promptTokens: 3n, completionTokens: 1n })).to.equal(3n); // 1.5 + 1.5
    expect(costMicroUsd(price, { promptTokens: 0n, completionTokens: 0n })).to.equal(0n);
  });

  it("gives the provider floor(95%) and the platform the remainder, summing exactly", () => {
    for (let charge = 0n; charge < 500n; charge++) {
      const unit: Price = { inputMicroUsdPerMillion: 1_000_000n, outputMicroUsdPerMillion: 0n };
      const figures = settlementFigures(1_000n, unit, {
        promptTokens: charge,
        completionTokens: 0n,
      });
      expect(figures.chargedMicroUsd).to.equal(charge);
      expect(figures.providerCreditMicroUsd).to.equal((charge * 95n) / 100n);
      expect(figures.providerCreditMicroUsd + figures.platformFeeMicroUsd).to.equal(charge);
      expect(figures.releasedMicroUsd).to.equal(1_000n - charge);
    }
  });

  it("rounds 19 micro-USD to 18 for the provider and 1 for the platform", () => {
    const unit: Price = { inputMicroUsdPerMillion: 1_000_000n, outputMicroUsdPerMillion: 0n };
    const figures = settlementFigures(100n, unit, { promptTokens: 19n, completionTokens: 0n });
    expect(figures).to.deep.equal({
      chargedMicroUsd: 19n,
      providerCreditMicroUsd: 18n,
      platformFeeMicroUsd: 1n,
      releasedMicroUsd: 81n,
    });
  });

  it("never charges more than was held", () => {
    const figures = settlementFigures(10n, price, {
      promptTokens: 1_000_000n,
      completionTokens: 0n,
    });
    expect(figures.chargedMicroUsd).to.equal(10n);
    expect(figures.releasedMicroUsd).to.equal(0n);
  });

  it("releases everything for zero usage", () => {
    expect(settlementFigures(77n, price, { promptTokens: 0n, completionTokens: 0n })).to.deep.equal(
      {
        chargedMicroUsd: 0n,
        providerCreditMicroUsd: 0n,
        platformFeeMicroUsd: 0n,
        releasedMicroUsd: 77n,
      },
    );
  });
});
