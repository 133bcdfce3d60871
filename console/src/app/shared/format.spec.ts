import { preciseUsd, usd } from "./format";

describe("money formats", () => {
  it("shows sub-cent amounts to the micro-dollar, larger ones as usd()", () => {
    expect(preciseUsd(29)).toBe("$0.000029");
    expect(preciseUsd(-5)).toBe("-$0.000005");
    expect(preciseUsd(0)).toBe("$0.00");
    expect(preciseUsd(1_500)).toBe(usd(1_500));
    expect(preciseUsd(2_500_000)).toBe("$2.50");
  });
});
