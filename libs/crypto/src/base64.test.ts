import { expect } from "chai";
import nacl from "tweetnacl";
import { fromBase64, generateKeyPair, keyFingerprint, keyFromBase64, toBase64 } from "./index.js";
import { expectCryptoError } from "./expect-crypto-error.js";

describe("base64", () => {
  it("round-trips and matches Buffer's standard padded base64", () => {
    for (const n of [0, 1, 2, 3, 4, 32, 100_000]) {
      const bytes = nacl.randomBytes(n);
      const text = toBase64(bytes);
      expect(text).to.equal(Buffer.from(bytes).toString("base64"));
      expect(fromBase64(text)).to.deep.equal(bytes);
    }
  });

  it("refuses non-canonical or non-standard text as bad_encoding", () => {
    for (const bad of ["A", "AA", "AA=", "AB==", "a b=", "-_8=", "AAAA\n", "QQ==QQ=="]) {
      expectCryptoError(() => fromBase64(bad), "bad_encoding");
    }
  });

  it("keyFromBase64 refuses a decoded length other than 32 as bad_key", () => {
    expect(keyFromBase64(toBase64(new Uint8Array(32).fill(7))).length).to.equal(32);
    expectCryptoError(() => keyFromBase64(toBase64(new Uint8Array(31))), "bad_key");
  });
});

describe("keyFingerprint", () => {
  it("is hex of the first 16 bytes of SHA-256 of the public key", async () => {
    const { createHash } = await import("node:crypto");
    const { publicKey } = generateKeyPair();
    const expected = createHash("sha256").update(publicKey).digest("hex").slice(0, 32);
    expect(keyFingerprint(publicKey)).to.equal(expected);
  });

  it("refuses a key that is not 32 bytes", () => {
    expectCryptoError(() => keyFingerprint(new Uint8Array(33)), "bad_key");
  });
});
