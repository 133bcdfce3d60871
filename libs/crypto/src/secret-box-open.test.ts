import { expect } from "chai";
import nacl from "tweetnacl";
import { randomBytes } from "node:crypto";
import { openSecretBoxFast } from "./secret-box-open.js";
import { sealWithNonce } from "./secret-box.js";

const bytes = (n: number): Uint8Array => Uint8Array.from(randomBytes(n));

/** tweetnacl's secretbox in our framing: nonce ‖ MAC ‖ ciphertext. */
function naclSecretBox(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = bytes(24);
  const box = nacl.secretbox(plaintext, nonce, key);
  const sealed = new Uint8Array(24 + box.length);
  sealed.set(nonce);
  sealed.set(box, 24);
  return sealed;
}

describe("openSecretBoxFast", () => {
  it("opens what NaCl's secretbox sealed, for every length across block boundaries", () => {
    const key = bytes(32);
    for (let n = 0; n <= 300; n++) {
      const plaintext = bytes(n);
      const opened = openSecretBoxFast(key, naclSecretBox(key, plaintext));
      expect(opened && Buffer.from(opened).equals(Buffer.from(plaintext)), `length ${n}`).to.equal(
        true,
      );
    }
  });

  it("opens a message at an unaligned offset of a larger buffer (a frame's payload)", () => {
    const key = bytes(32);
    const plaintext = bytes(77);
    const sealed = naclSecretBox(key, plaintext);
    const frame = new Uint8Array(sealed.length + 3);
    frame.set(sealed, 3);
    const opened = openSecretBoxFast(key.subarray(0), frame.subarray(3));
    expect(Buffer.from(opened ?? []).equals(Buffer.from(plaintext))).to.equal(true);
  });

  it("refuses a flipped bit anywhere in the nonce, MAC or ciphertext, and a wrong key", () => {
    const key = bytes(32);
    const sealed = naclSecretBox(key, bytes(64));
    for (let i = 0; i < sealed.length; i++) {
      const tampered = sealed.slice();
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      expect(openSecretBoxFast(key, tampered), `byte ${i}`).to.equal(undefined);
    }
    expect(openSecretBoxFast(bytes(32), sealed)).to.equal(undefined);
  });

  it("seals what NaCl's secretbox seals, byte for byte, for every length across block boundaries", () => {
    const key = bytes(32);
    for (let n = 0; n <= 300; n++) {
      const plaintext = bytes(n);
      const nonce = bytes(24);
      const ours = sealWithNonce(key, nonce, plaintext);
      const box = nacl.secretbox(plaintext, nonce, key);
      expect(Buffer.from(ours.subarray(0, 24)).equals(Buffer.from(nonce)), `nonce ${n}`).to.equal(
        true,
      );
      expect(Buffer.from(ours.subarray(24)).equals(Buffer.from(box)), `length ${n}`).to.equal(true);
      const opened = nacl.secretbox.open(ours.subarray(24), nonce, key);
      expect(opened && Buffer.from(opened).equals(Buffer.from(plaintext))).to.equal(true);
    }
  });

  it("seals from and opens into views at unaligned offsets without touching their neighbours", () => {
    const key = bytes(32);
    const backing = bytes(200);
    const before = backing.slice();
    const plaintext = backing.subarray(5, 5 + 70);
    const sealed = sealWithNonce(key.subarray(0), bytes(24), plaintext);
    expect(Buffer.from(backing).equals(Buffer.from(before))).to.equal(true);
    const frame = new Uint8Array(sealed.length + 7);
    frame.set(sealed, 7);
    const opened = openSecretBoxFast(key, frame.subarray(7));
    expect(Buffer.from(opened ?? []).equals(Buffer.from(plaintext))).to.equal(true);
  });
});
