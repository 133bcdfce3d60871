import { expect } from "chai";
import { boxBeforenm, generateKeyPair, open, seal, SessionKeyCache } from "./index.js";
import { expectCryptoError } from "./expect-crypto-error.js";

describe("SessionKeyCache", () => {
  const provider = generateKeyPair();
  const message = new TextEncoder().encode("tokens");

  it("derives the shared key once per request id", () => {
    const consumer = generateKeyPair();
    const cache = new SessionKeyCache();
    const first = cache.session("req-1", consumer.publicKey, provider.secretKey);
    const again = cache.session("req-1", consumer.publicKey, provider.secretKey);
    expect(again).to.equal(first);
    expect(again.sharedKey).to.equal(first.sharedKey);
    expect(first.sharedKey).to.deep.equal(boxBeforenm(consumer.publicKey, provider.secretKey));
    expect(cache.get("req-1")).to.equal(first);
    expect(cache.size).to.equal(1);
  });

  it("interoperates with one-shot seal/open on the other side", () => {
    const consumer = generateKeyPair();
    const cache = new SessionKeyCache();
    const session = cache.session("req-2", consumer.publicKey, provider.secretKey);
    expect(session.open(seal(message, provider.publicKey, consumer.secretKey))).to.deep.equal(
      message,
    );
    expect(open(session.seal(message), provider.publicKey, consumer.secretKey)).to.deep.equal(
      message,
    );
  });

  it("forget zeroes the key, drops the session, and later use is bad_key", () => {
    const consumer = generateKeyPair();
    const cache = new SessionKeyCache();
    const session = cache.session("req-3", consumer.publicKey, provider.secretKey);
    const key = session.sharedKey;
    expect(key.some((b) => b !== 0)).to.equal(true);
    expect(cache.forget("req-3")).to.equal(true);
    expect(Array.from(key)).to.deep.equal(new Array(32).fill(0));
    expect(cache.get("req-3")).to.equal(undefined);
    expect(cache.forget("req-3")).to.equal(false);
    expectCryptoError(() => session.seal(message), "bad_key");
  });

  it("refuses a replayed message and a reflected one as replayed_nonce", () => {
    const consumer = generateKeyPair();
    const session = new SessionKeyCache().session("req-4", consumer.publicKey, provider.secretKey);
    const incoming = seal(message, provider.publicKey, consumer.secretKey);
    session.open(incoming);
    expectCryptoError(() => session.open(incoming), "replayed_nonce");
    // Both directions share one key, so our own output sent back to us would otherwise open.
    expectCryptoError(() => session.open(session.seal(message)), "replayed_nonce");
  });

  it("evicts (and zeroes) the least recently used session beyond maxEntries", () => {
    const cache = new SessionKeyCache({ maxEntries: 2 });
    const peers = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
    const a = cache.session("a", peers[0]!.publicKey, provider.secretKey);
    cache.session("b", peers[1]!.publicKey, provider.secretKey);
    cache.get("a"); // a is now the most recent
    cache.session("c", peers[2]!.publicKey, provider.secretKey);
    expect(cache.size).to.equal(2);
    expect(cache.get("a")).to.equal(a);
    expect(cache.get("b")).to.equal(undefined);
    cache.clear();
    expect(cache.size).to.equal(0);
    expect(a.sharedKey.every((b) => b === 0)).to.equal(true);
  });

  it("refuses a second peer key for the same request id as bad_key", () => {
    const cache = new SessionKeyCache();
    cache.session("req-5", generateKeyPair().publicKey, provider.secretKey);
    expectCryptoError(
      () => cache.session("req-5", generateKeyPair().publicKey, provider.secretKey),
      "bad_key",
    );
  });
});
