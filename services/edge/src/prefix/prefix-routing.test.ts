import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { accountPrefixKey, canonicalPrefixBytes, prefixBlockHashes } from "@darkbloom/crypto";
import { InferenceBodySchema } from "@darkbloom/proto";
import { expect } from "chai";
import { providerScope } from "./provider-scope.js";
import { withPrefixRouting } from "./prefix-routing.js";

const secret = new Uint8Array(32).fill(9);
const body = create(InferenceBodySchema, {
  model: "m",
  input: {
    case: "chat",
    value: { messages: [{ role: "system", content: "Be brief. ".repeat(300) }] },
  },
});

describe("withPrefixRouting", () => {
  it("seals the account's prefix key with the body and hashes what the provider will hash", () => {
    const out = withPrefixRouting(secret, "acct-1", body);
    const received = fromBinary(InferenceBodySchema, toBinary(InferenceBodySchema, out.body));
    expect(received.accountId).to.equal(providerScope(secret, "acct-1"));
    expect(received.accountId).to.not.include("acct-1");
    expect(received.prefixKey).to.deep.equal(accountPrefixKey(secret, "acct-1"));
    const providerSide = prefixBlockHashes(
      received.prefixKey,
      canonicalPrefixBytes(received.input),
    );
    expect(out.prefixBlockHashes).to.have.length(2);
    expect(out.prefixBlockHashes).to.deep.equal(providerSide);
  });

  it("sends no hashes without a secret but still scopes the body to the account, pseudonymously", () => {
    const out = withPrefixRouting(undefined, "acct-1", body);
    expect(out.prefixBlockHashes).to.deep.equal([]);
    expect(out.body.accountId).to.equal(providerScope(undefined, "acct-1"));
    expect(out.body.prefixKey).to.have.length(0);
  });
});

describe("withPrefixRouting, remembered per account", () => {
  it("gives each account its own scope and key, the same on every request", () => {
    const one = withPrefixRouting(secret, "acct-a", body);
    const again = withPrefixRouting(secret, "acct-a", body);
    const other = withPrefixRouting(secret, "acct-b", body);
    const otherSecret = withPrefixRouting(new Uint8Array(32).fill(3), "acct-a", body);
    expect(again.body.accountId).to.equal(one.body.accountId);
    expect(again.body.prefixKey).to.deep.equal(accountPrefixKey(secret, "acct-a"));
    expect(other.body.accountId).to.equal(providerScope(secret, "acct-b"));
    expect(other.body.prefixKey).to.deep.equal(accountPrefixKey(secret, "acct-b"));
    expect(otherSecret.body.accountId).to.not.equal(one.body.accountId);
    expect(otherSecret.body.prefixKey).to.not.deep.equal(one.body.prefixKey);
  });
});
