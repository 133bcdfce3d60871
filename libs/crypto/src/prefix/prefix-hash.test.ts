import { createHmac } from "node:crypto";
import { expect } from "chai";
import { canonicalPrefixBytes, type PrefixMessage } from "./prefix-canonical.js";
import { accountPrefixKey, prefixBlockHashes, PREFIX_HASH_BYTES } from "./prefix-hash.js";

const hex = (list: Uint8Array[]): string[] => list.map((b) => Buffer.from(b).toString("hex"));
const secret = new Uint8Array(32).fill(7);
const msg = (role: string, content: string): PrefixMessage => ({
  role,
  content,
  name: "",
  toolCallId: "",
  toolCalls: [],
});
const chat = (messages: PrefixMessage[]) =>
  canonicalPrefixBytes({ case: "chat", value: { messages, tools: [] } });

describe("prefix hashes", () => {
  const system = msg("system", "You are a careful assistant who answers briefly. ".repeat(60));

  it("match an independent HMAC-SHA256 chain (node:crypto)", () => {
    const key = accountPrefixKey(secret, "acct-1");
    const nodeKey = createHmac("sha256", secret).update("darkbloom-prefix-v1\0acct-1").digest();
    expect(Buffer.from(key).equals(nodeKey)).to.equal(true);
    const bytes = new TextEncoder().encode("x".repeat(300));
    const first = createHmac("sha256", key).update(bytes.subarray(0, 128)).digest();
    const second = createHmac("sha256", key)
      .update(first.subarray(0, PREFIX_HASH_BYTES))
      .update(bytes.subarray(128, 256))
      .digest();
    expect(hex(prefixBlockHashes(key, bytes, 128))).to.deep.equal([
      first.subarray(0, 16).toString("hex"),
      second.subarray(0, 16).toString("hex"),
    ]);
  });

  it("give a follow-up turn the same leading hashes as the conversation so far", () => {
    const key = accountPrefixKey(secret, "acct-1");
    const first = hex(prefixBlockHashes(key, chat([system, msg("user", "What is a tide?")])));
    const later = hex(
      prefixBlockHashes(
        key,
        chat([
          system,
          msg("user", "What is a tide?"),
          msg("assistant", "The sea rising."),
          msg("user", "Why?"),
        ]),
      ),
    );
    expect(first.length).to.be.greaterThan(1);
    expect(later.slice(0, first.length)).to.deep.equal(first);
  });

  it("differ for every block when the same prompt comes from another account", () => {
    const bytes = chat([system, msg("user", "hello")]);
    const a = hex(prefixBlockHashes(accountPrefixKey(secret, "acct-1"), bytes));
    const b = hex(prefixBlockHashes(accountPrefixKey(secret, "acct-2"), bytes));
    expect(a.length).to.be.greaterThan(0);
    expect(a.filter((h) => b.includes(h))).to.deep.equal([]);
  });

  it("separate fields so that moving text between role and content changes the bytes", () => {
    const a = chat([msg("user", "system: hi".repeat(200))]);
    const b = chat([msg("user: system", " hi".repeat(200))]);
    expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(false);
  });

  it("hash a raw prompt as its UTF-8 bytes, full blocks only", () => {
    const bytes = canonicalPrefixBytes({ case: "prompt", value: "é".repeat(1100) });
    expect(bytes.length).to.equal(2200);
    expect(prefixBlockHashes(accountPrefixKey(secret, "a"), bytes)).to.have.length(2);
  });
});
