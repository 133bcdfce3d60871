import { expect } from "chai";
import { accountPrefixKey, prefixBlockHashes } from "./prefix-block-hashes.js";

const hex = (list: Uint8Array[]): string[] => list.map((b) => Buffer.from(b).toString("hex"));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const secret = new Uint8Array(32).fill(7);

describe("prefixBlockHashes", () => {
  const system = "You are a helpful assistant. ".repeat(20);

  it("gives two prompts with the same leading blocks the same leading hashes", () => {
    const key = accountPrefixKey(secret, "acct-1");
    const a = hex(prefixBlockHashes(key, bytes(system + "first question"), 64));
    const b = hex(prefixBlockHashes(key, bytes(system + "another, longer question entirely"), 64));
    const shared = Math.floor(bytes(system).length / 64);
    expect(a.slice(0, shared)).to.deep.equal(b.slice(0, shared));
  });

  it("chains: a different first block changes every later hash", () => {
    const key = accountPrefixKey(secret, "acct-1");
    const a = hex(prefixBlockHashes(key, bytes("A" + system), 64));
    const b = hex(prefixBlockHashes(key, bytes("B" + system), 64));
    expect(a.filter((h, i) => h === b[i])).to.deep.equal([]);
  });

  it("keys per account: the same prompt hashes differently for another tenant", () => {
    const a = hex(prefixBlockHashes(accountPrefixKey(secret, "acct-1"), bytes(system), 64));
    const b = hex(prefixBlockHashes(accountPrefixKey(secret, "acct-2"), bytes(system), 64));
    expect(a.filter((h) => b.includes(h))).to.deep.equal([]);
  });

  it("hashes full blocks only", () => {
    expect(
      prefixBlockHashes(accountPrefixKey(secret, "a"), bytes("x".repeat(130)), 64),
    ).to.have.length(2);
  });
});
