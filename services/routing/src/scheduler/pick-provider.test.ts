import { TrustLevel } from "@darkbloom/proto";
import { expect } from "chai";
import { pickProvider } from "./pick-provider.js";

describe("pickProvider", () => {
  const c = (id: string, inFlight: number, trustLevel = TrustLevel.NONE) => ({
    id,
    inFlight,
    trustLevel,
  });

  it("prefers the provider with the fewest requests in flight", () => {
    expect(pickProvider([c("a", 3), c("b", 1), c("c", 2)], TrustLevel.UNSPECIFIED)?.id).to.equal(
      "b",
    );
  });

  it("never picks a provider below the required trust level", () => {
    const picked = pickProvider(
      [c("low", 0, TrustLevel.NONE), c("hw", 5, TrustLevel.HARDWARE)],
      TrustLevel.HARDWARE,
    );
    expect(picked?.id).to.equal("hw");
    expect(pickProvider([c("low", 0)], TrustLevel.SOFTWARE)).to.equal(undefined);
  });

  it("spreads ties at random", () => {
    const ids = new Set<string>();
    let i = 0;
    const seq = [0.1, 0.9];
    for (let n = 0; n < 2; n++)
      ids.add(
        pickProvider([c("a", 0), c("b", 0)], TrustLevel.UNSPECIFIED, () => seq[i++ % 2] ?? 0)?.id ??
          "",
      );
    expect([...ids].sort()).to.deep.equal(["a", "b"]);
  });
});
