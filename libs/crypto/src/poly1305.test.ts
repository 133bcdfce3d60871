import { expect } from "chai";
import { poly1305 } from "@noble/ciphers/_poly1305.js";
import { randomBytes } from "node:crypto";
import { poly1305Into } from "./poly1305.js";

const bytes = (n: number): Uint8Array => Uint8Array.from(randomBytes(n));
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));

describe("poly1305Into", () => {
  it("matches the RFC 8439 §2.5.2 test vector", () => {
    const key = hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
    const msg = new TextEncoder().encode("Cryptographic Forum Research Group");
    const out = new Uint8Array(16);
    poly1305Into(msg, key, out, 0);
    expect(Buffer.from(out).toString("hex")).to.equal("a8061dc1305136c6c22b8baf0c0127a9");
  });

  it("agrees with noble at every length 0..300, at an offset, call after call", () => {
    for (let n = 0; n <= 300; n++) {
      const key = bytes(32);
      const msg = bytes(n);
      const out = new Uint8Array(20).fill(0xee);
      poly1305Into(msg, key, out, 3);
      expect(Buffer.from(out.subarray(3, 19)).equals(Buffer.from(poly1305(msg, key))), `${n}`).to.be
        .true;
      expect([out[0], out[1], out[2], out[19]]).to.deep.equal([0xee, 0xee, 0xee, 0xee]);
    }
  });

  it("handles the limb edge cases noble does (all-ones key and message)", () => {
    const key = new Uint8Array(32).fill(0xff);
    for (const n of [15, 16, 17, 64]) {
      const msg = new Uint8Array(n).fill(0xff);
      const out = new Uint8Array(16);
      poly1305Into(msg, key, out, 0);
      expect(Buffer.from(out).equals(Buffer.from(poly1305(msg, key))), `${n}`).to.be.true;
    }
  });
});
