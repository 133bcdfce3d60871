import { expect } from "chai";
import { NONCE_BYTES } from "./constants.js";
import { randomNonce } from "./random-pool.js";
import { nonceOf, sealWithSharedKey } from "./secret-box.js";

describe("randomNonce", () => {
  it("hands out 24-byte nonces, none twice, across several pool refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const nonce = randomNonce();
      expect(nonce).to.have.length(NONCE_BYTES);
      const hex = Buffer.from(nonce).toString("hex");
      expect(seen.has(hex)).to.equal(false);
      seen.add(hex);
    }
  });

  it("each nonce is a copy: changing one changes no later nonce", () => {
    const a = randomNonce();
    a.fill(0);
    const b = randomNonce();
    expect(b.every((x) => x === 0)).to.equal(false);
  });

  it("seals under one key carry different nonces", () => {
    const key = new Uint8Array(32).fill(7);
    const body = new Uint8Array(10);
    const nonces = new Set(
      Array.from({ length: 300 }, () =>
        Buffer.from(nonceOf(sealWithSharedKey(key, body))).toString("hex"),
      ),
    );
    expect(nonces).to.have.length(300);
  });
});
