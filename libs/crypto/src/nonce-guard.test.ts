import { expect } from "chai";
import {
  boxBeforenm,
  generateKeyPair,
  NonceGuard,
  openWithNonceGuard,
  sealWithSharedKey,
} from "./index.js";
import { expectCryptoError } from "./expect-crypto-error.js";

describe("NonceGuard", () => {
  const key = boxBeforenm(generateKeyPair().publicKey, generateKeyPair().secretKey);
  const message = new TextEncoder().encode("hello");

  it("opens each sealed message once and refuses the replay as replayed_nonce", () => {
    const guard = new NonceGuard();
    const first = sealWithSharedKey(key, message);
    const second = sealWithSharedKey(key, message);
    expect(openWithNonceGuard(key, first, guard)).to.deep.equal(message);
    expect(openWithNonceGuard(key, second, guard)).to.deep.equal(message);
    expectCryptoError(() => openWithNonceGuard(key, first, guard), "replayed_nonce");
    expectCryptoError(() => openWithNonceGuard(key, first.slice(), guard), "replayed_nonce");
    expect(guard.size).to.equal(2);
  });

  it("does not record the nonce of a forged message, so the genuine one still opens", () => {
    const guard = new NonceGuard();
    const genuine = sealWithSharedKey(key, message);
    const forged = genuine.slice();
    forged[genuine.length - 1] = (forged[genuine.length - 1] ?? 0) ^ 1;
    expectCryptoError(() => openWithNonceGuard(key, forged, guard), "authentication_failed");
    expect(guard.size).to.equal(0);
    expect(openWithNonceGuard(key, genuine, guard)).to.deep.equal(message);
  });

  it("is per request: a separate guard accepts the same nonce", () => {
    const sealed = sealWithSharedKey(key, message);
    openWithNonceGuard(key, sealed, new NonceGuard());
    expect(openWithNonceGuard(key, sealed, new NonceGuard())).to.deep.equal(message);
  });

  it("refuses to remember more than maxNonces with limit_exceeded", () => {
    const guard = new NonceGuard({ maxNonces: 2 });
    openWithNonceGuard(key, sealWithSharedKey(key, message), guard);
    openWithNonceGuard(key, sealWithSharedKey(key, message), guard);
    expectCryptoError(
      () => openWithNonceGuard(key, sealWithSharedKey(key, message), guard),
      "limit_exceeded",
    );
  });

  it("reports truncated input before consulting the guard", () => {
    expectCryptoError(
      () => openWithNonceGuard(key, new Uint8Array(10), new NonceGuard()),
      "truncated",
    );
  });
});
