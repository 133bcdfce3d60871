import { expect } from "chai";
import { providerScope } from "./provider-scope.js";

describe("providerScope", () => {
  const secret = new Uint8Array(32).fill(3);

  it("never contains the account id and is stable per account", () => {
    const scope = providerScope(secret, "acct-42");
    expect(scope).to.not.include("acct-42");
    expect(providerScope(secret, "acct-42")).to.equal(scope);
  });

  it("differs between accounts and between secrets", () => {
    expect(providerScope(secret, "a")).to.not.equal(providerScope(secret, "b"));
    expect(providerScope(secret, "a")).to.not.equal(providerScope(new Uint8Array(32), "a"));
  });
});
