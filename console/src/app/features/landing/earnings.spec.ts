import { CHIPS, DECODE_EFFICIENCY, estimateEarnings } from "./earnings";

const chip = (id: string) => {
  const c = CHIPS.find((x) => x.id === id);
  if (!c) throw new Error(id);
  return c;
};

describe("estimateEarnings", () => {
  it("pays the provider floor(95%) of what consumers pay at the output price", () => {
    const e = estimateEarnings({
      chip: chip("m4-pro"),
      memoryGb: 48,
      hoursPerDay: 10,
      utilization: 0.5,
      outputMicroUsdPerMillion: 1_500_000,
    });
    expect(e.modelSize).toBe("32B");
    const tps = (DECODE_EFFICIENCY * 273) / 18;
    const tokens = Math.round(tps * 3600 * 10 * 0.5);
    expect(e.tokensPerDay).toBe(tokens);
    expect(e.earningsMicroUsdPerDay).toBe(Math.floor(((tokens * 1_500_000) / 1e6) * 0.95));
    expect(e.earningsMicroUsdPerMonth).toBe(e.earningsMicroUsdPerDay * 30);
  });

  it("serves a smaller model on a smaller machine, faster", () => {
    const small = estimateEarnings({
      chip: chip("m2"),
      memoryGb: 8,
      hoursPerDay: 24,
      utilization: 1,
      outputMicroUsdPerMillion: 1_000_000,
    });
    expect(small.modelSize).toBe("8B");
    expect(small.tokensPerSecond).toBeCloseTo((0.6 * 100) / 4.5, 1);
  });

  it("clamps hours to a day and earns nothing offline or at a zero price", () => {
    const base = { chip: chip("m1"), memoryGb: 16, utilization: 0.5 };
    expect(
      estimateEarnings({ ...base, hoursPerDay: 48, outputMicroUsdPerMillion: 1 }).tokensPerDay,
    ).toBe(
      estimateEarnings({ ...base, hoursPerDay: 24, outputMicroUsdPerMillion: 1 }).tokensPerDay,
    );
    expect(
      estimateEarnings({ ...base, hoursPerDay: 0, outputMicroUsdPerMillion: 5_000_000 })
        .earningsMicroUsdPerDay,
    ).toBe(0);
    expect(
      estimateEarnings({ ...base, hoursPerDay: 12, outputMicroUsdPerMillion: 0 })
        .earningsMicroUsdPerMonth,
    ).toBe(0);
  });
});
