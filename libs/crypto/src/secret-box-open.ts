import { MAC_BYTES, NONCE_BYTES } from "./constants.js";
import { poly1305Into } from "./poly1305.js";
import { xsalsa20Xor } from "./xsalsa20-stream.js";

const polyKey = new Uint8Array(32);
const tag = new Uint8Array(16);

/**
 * XSalsa20-Poly1305 open (NaCl `crypto_secretbox_open`) of `nonce ‖ MAC ‖ ciphertext`, in one
 * pass: one XSalsa20 run (the first 32 bytes of keystream are the Poly1305 key, the rest decrypt,
 * xsalsa20-stream.ts), one Poly1305 over the ciphertext (poly1305.ts). noble's `xsalsa20poly1305().decrypt`
 * derives the subkey twice and copies the message around; a relayed chunk of a few dozen bytes
 * spent most of its decrypt time there. Returns undefined when the MAC does not verify (the caller
 * throws its own error); the plaintext, decrypted beside the check, is then zeroed. `sealed` must
 * be at least 40 bytes and `key` 32 (the caller checks).
 */
export function openSecretBoxFast(key: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  const ciphertext = sealed.subarray(NONCE_BYTES + MAC_BYTES);
  const plaintext = new Uint8Array(ciphertext.length);
  xsalsa20Xor(key, sealed, 0, ciphertext, plaintext, polyKey);
  poly1305Into(ciphertext, polyKey, tag, 0);
  polyKey.fill(0);
  let diff = 0;
  for (let i = 0; i < MAC_BYTES; i++)
    diff |= (tag[i] as number) ^ (sealed[NONCE_BYTES + i] as number);
  tag.fill(0);
  if (diff !== 0) {
    plaintext.fill(0);
    return undefined;
  }
  return plaintext;
}

/**
 * XSalsa20-Poly1305 seal (NaCl `crypto_secretbox`) of `plaintext` into `sealed`, which holds
 * `nonce ‖ MAC ‖ ciphertext` with the nonce already in place: encrypts into `sealed[40..]`, then
 * writes the MAC of that ciphertext at `sealed[24..40]`.
 */
export function sealSecretBoxFast(
  key: Uint8Array,
  plaintext: Uint8Array,
  sealed: Uint8Array,
): void {
  const ciphertext = sealed.subarray(NONCE_BYTES + MAC_BYTES);
  xsalsa20Xor(key, sealed, 0, plaintext, ciphertext, polyKey);
  poly1305Into(ciphertext, polyKey, sealed, NONCE_BYTES);
  polyKey.fill(0);
}
