import { poly1305 } from "@noble/ciphers/_poly1305.js";
import { hsalsa, salsa20 } from "@noble/ciphers/salsa.js";
import { KEY_BYTES, MAC_BYTES, NONCE_BYTES } from "./constants.js";

// "expand 32-byte k" as little-endian words.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XSalsa20-Poly1305 open (NaCl `crypto_secretbox_open`) of `nonce ‖ MAC ‖ ciphertext`, in one
 * pass: one HSalsa20 for the subkey, one Salsa20 run over `32 zero bytes ‖ ciphertext` (the
 * first 32 bytes of keystream are the Poly1305 key, the rest decrypt), one Poly1305. noble's
 * `xsalsa20poly1305().decrypt` derives the subkey twice and copies the message around; a relayed
 * chunk of a few dozen bytes spent most of its decrypt time there. Returns undefined when the
 * MAC does not verify (the caller throws its own error). `sealed` must be at least 40 bytes and
 * `key` 32 (the caller checks).
 */
export function openSecretBoxFast(key: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const keyWords = new Uint32Array(KEY_BYTES / 4);
  new Uint8Array(keyWords.buffer).set(key);
  const nonceWords = new Uint32Array(4);
  new Uint8Array(nonceWords.buffer).set(sealed.subarray(0, 16));
  const subWords = new Uint32Array(KEY_BYTES / 4);
  hsalsa(SIGMA, keyWords, nonceWords, subWords);
  keyWords.fill(0);
  const subkey = new Uint8Array(subWords.buffer);
  const ciphertext = sealed.subarray(NONCE_BYTES + MAC_BYTES);
  const buf = new Uint8Array(32 + ciphertext.length);
  buf.set(ciphertext, 32);
  salsa20(subkey, sealed.subarray(16, NONCE_BYTES), buf, buf);
  subkey.fill(0);
  const tag = poly1305(ciphertext, buf.subarray(0, 32));
  const mac = sealed.subarray(NONCE_BYTES, NONCE_BYTES + MAC_BYTES);
  let diff = 0;
  for (let i = 0; i < MAC_BYTES; i++) diff |= (tag[i] ?? 0) ^ (mac[i] ?? 0);
  buf.fill(0, 0, 32);
  if (diff !== 0) {
    buf.fill(0);
    return undefined;
  }
  return buf.subarray(32);
}
