import { expect } from "chai";
import nacl from "tweetnacl";
import { randomBytes } from "node:crypto";
import {
  boxBeforenm,
  generateKeyPair,
  open,
  openWithSharedKey,
  publicKeyFromSecret,
  seal,
  sealWithSharedKey,
  SEAL_OVERHEAD_BYTES,
} from "./index.js";
import { sealWithNonce } from "./secret-box.js";
import { expectCryptoError } from "./expect-crypto-error.js";
import file from "./vectors/box-vectors.json" with { type: "json" };

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));
const bytes = (n: number): Uint8Array => Uint8Array.from(randomBytes(n));

/** tweetnacl's box in our framing: nonce ‖ MAC ‖ ciphertext. */
function naclSeal(
  plaintext: Uint8Array,
  recipientPk: Uint8Array,
  senderSk: Uint8Array,
): Uint8Array {
  const nonce = nacl.randomBytes(24);
  const box = nacl.box(plaintext, nonce, recipientPk, senderSk);
  const sealed = new Uint8Array(24 + box.length);
  sealed.set(nonce);
  sealed.set(box, 24);
  return sealed;
}

function naclOpen(
  sealed: Uint8Array,
  senderPk: Uint8Array,
  recipientSk: Uint8Array,
): Uint8Array | null {
  return nacl.box.open(sealed.subarray(24), sealed.subarray(0, 24), senderPk, recipientSk);
}

// Edge sizes around Salsa20 blocks and 64 KiB, then random sizes up to 70,000 bytes.
const SIZES = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 4096, 65535, 65536, 65537, 70000];
for (let i = 0; i < 16; i++) SIZES.push(Math.floor(Math.random() * 70001));

describe("crypto_box seal/open", () => {
  const alice = generateKeyPair();
  const bob = generateKeyPair();

  describe("against tweetnacl", () => {
    it("tweetnacl opens what we seal, for sizes 0..70000", () => {
      for (const size of SIZES) {
        const plaintext = bytes(size);
        const sealed = seal(plaintext, bob.publicKey, alice.secretKey);
        expect(sealed.length, `size ${size}`).to.equal(size + SEAL_OVERHEAD_BYTES);
        const opened = naclOpen(sealed, alice.publicKey, bob.secretKey);
        expect(opened, `size ${size}`).to.not.equal(null);
        expect(hex(opened ?? new Uint8Array()), `size ${size}`).to.equal(hex(plaintext));
      }
    });

    it("we open what tweetnacl seals, for sizes 0..70000", () => {
      for (const size of SIZES) {
        const plaintext = bytes(size);
        const sealed = naclSeal(plaintext, bob.publicKey, alice.secretKey);
        expect(hex(open(sealed, alice.publicKey, bob.secretKey)), `size ${size}`).to.equal(
          hex(plaintext),
        );
      }
    });

    it("derives the same public and shared keys as tweetnacl", () => {
      for (let i = 0; i < 8; i++) {
        const a = nacl.box.keyPair();
        const b = generateKeyPair();
        expect(hex(publicKeyFromSecret(a.secretKey))).to.equal(hex(a.publicKey));
        expect(hex(nacl.box.keyPair.fromSecretKey(b.secretKey).publicKey)).to.equal(
          hex(b.publicKey),
        );
        expect(hex(boxBeforenm(b.publicKey, a.secretKey))).to.equal(
          hex(nacl.box.before(b.publicKey, a.secretKey)),
        );
      }
    });

    it("precomputed-key seal/open interoperates with nacl.box.after / open.after", () => {
      const key = boxBeforenm(bob.publicKey, alice.secretKey);
      const plaintext = bytes(1024);
      const ours = sealWithSharedKey(key, plaintext);
      expect(nacl.box.open.after(ours.subarray(24), ours.subarray(0, 24), key)).to.deep.equal(
        plaintext,
      );
      const nonce = nacl.randomBytes(24);
      const theirs = new Uint8Array([...nonce, ...nacl.box.after(plaintext, nonce, key)]);
      expect(hex(openWithSharedKey(key, theirs))).to.equal(hex(plaintext));
    });
  });

  describe("fixed vectors (box-vectors.json)", () => {
    it("includes the NaCl tests/box.c vector", () => {
      expect(file.vectors[0]?.name).to.equal("nacl-tests-box.c");
      expect(file.vectors.length).to.be.greaterThan(10);
    });

    for (const v of file.vectors) {
      it(`${v.name}: both implementations reproduce it byte for byte`, () => {
        const senderSk = unhex(v.senderSecretKey);
        const recipientSk = unhex(v.recipientSecretKey);
        const senderPk = unhex(v.senderPublicKey);
        const recipientPk = unhex(v.recipientPublicKey);
        const nonce = unhex(v.nonce);
        const plaintext = unhex(v.plaintext);
        const sealed = unhex(v.sealed);

        // Ours.
        expect(hex(publicKeyFromSecret(senderSk))).to.equal(v.senderPublicKey);
        expect(hex(publicKeyFromSecret(recipientSk))).to.equal(v.recipientPublicKey);
        const sharedKey = boxBeforenm(recipientPk, senderSk);
        expect(hex(sharedKey)).to.equal(v.sharedKey);
        expect(hex(boxBeforenm(senderPk, recipientSk))).to.equal(v.sharedKey);
        expect(hex(sealWithNonce(sharedKey, nonce, plaintext))).to.equal(v.sealed);
        expect(hex(open(sealed, senderPk, recipientSk))).to.equal(v.plaintext);

        // tweetnacl.
        expect(hex(nacl.box.before(recipientPk, senderSk))).to.equal(v.sharedKey);
        expect(hex(nonce) + hex(nacl.box(plaintext, nonce, recipientPk, senderSk))).to.equal(
          v.sealed,
        );
        expect(hex(naclOpen(sealed, senderPk, recipientSk) ?? new Uint8Array([0xff]))).to.equal(
          v.plaintext,
        );
      });
    }
  });

  describe("refusals", () => {
    const plaintext = bytes(100);
    const sealed = seal(plaintext, bob.publicKey, alice.secretKey);

    it("a flipped bit anywhere (nonce, MAC, body) is authentication_failed", () => {
      const regions = { nonce: [0, 24], mac: [24, 40], body: [40, sealed.length] } as const;
      for (const [region, [from, to]] of Object.entries(regions)) {
        for (let i = from; i < to; i++) {
          const tampered = sealed.slice();
          tampered[i] = (tampered[i] ?? 0) ^ (1 << (i % 8));
          expectCryptoError(
            () => open(tampered, alice.publicKey, bob.secretKey),
            "authentication_failed",
          );
          expect(
            naclOpen(tampered, alice.publicKey, bob.secretKey),
            `${region} byte ${i}`,
          ).to.equal(null);
        }
      }
    });

    it("appended or removed trailing bytes are authentication_failed", () => {
      expectCryptoError(
        () => open(new Uint8Array([...sealed, 0]), alice.publicKey, bob.secretKey),
        "authentication_failed",
      );
      expectCryptoError(
        () => open(sealed.subarray(0, sealed.length - 1), alice.publicKey, bob.secretKey),
        "authentication_failed",
      );
    });

    it("anything shorter than nonce + MAC (40 bytes) is truncated", () => {
      for (const n of [0, 1, 23, 24, 39]) {
        expectCryptoError(
          () => open(sealed.subarray(0, n), alice.publicKey, bob.secretKey),
          "truncated",
        );
      }
      const empty = seal(new Uint8Array(0), bob.publicKey, alice.secretKey);
      expect(open(empty, alice.publicKey, bob.secretKey).length).to.equal(0);
    });

    it("a wrong recipient key or wrong sender key is authentication_failed", () => {
      const eve = generateKeyPair();
      expectCryptoError(
        () => open(sealed, alice.publicKey, eve.secretKey),
        "authentication_failed",
      );
      expectCryptoError(() => open(sealed, eve.publicKey, bob.secretKey), "authentication_failed");
      const wrongShared = boxBeforenm(eve.publicKey, bob.secretKey);
      expectCryptoError(() => openWithSharedKey(wrongShared, sealed), "authentication_failed");
    });

    it("keys that are not exactly 32 bytes are bad_key", () => {
      for (const n of [0, 31, 33, 64]) {
        const key = bytes(n);
        expectCryptoError(() => seal(plaintext, key, alice.secretKey), "bad_key");
        expectCryptoError(() => seal(plaintext, bob.publicKey, key), "bad_key");
        expectCryptoError(() => open(sealed, key, bob.secretKey), "bad_key");
        expectCryptoError(() => boxBeforenm(key, bob.secretKey), "bad_key");
        expectCryptoError(() => publicKeyFromSecret(key), "bad_key");
        expectCryptoError(() => sealWithSharedKey(key, plaintext), "bad_key");
        expectCryptoError(() => openWithSharedKey(key, sealed), "bad_key");
      }
    });

    it("a low-order public key (all-zero shared secret) is bad_key, as in libsodium", () => {
      expectCryptoError(() => boxBeforenm(new Uint8Array(32), alice.secretKey), "bad_key");
      const one = new Uint8Array(32);
      one[0] = 1;
      expectCryptoError(() => seal(plaintext, one, alice.secretKey), "bad_key");
    });

    it("an all-zero (forgotten) shared key is bad_key rather than a usable key", () => {
      expectCryptoError(() => sealWithSharedKey(new Uint8Array(32), plaintext), "bad_key");
      expectCryptoError(() => openWithSharedKey(new Uint8Array(32), sealed), "bad_key");
    });
  });

  it("uses a fresh nonce per seal", () => {
    const a = seal(bytes(8), bob.publicKey, alice.secretKey);
    const b = seal(bytes(8), bob.publicKey, alice.secretKey);
    expect(hex(a.subarray(0, 24))).to.not.equal(hex(b.subarray(0, 24)));
  });
});
