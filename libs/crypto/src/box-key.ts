import { x25519 } from "./x25519.js";
import { hsalsa } from "@noble/ciphers/salsa.js";
import { assertKey } from "./assert-key.js";
import { CryptoError } from "./crypto-error.js";
import { KEY_BYTES } from "./constants.js";

// "expand 32-byte k" as little-endian words.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const ZERO_NONCE = new Uint32Array(4);

/**
 * NaCl `crypto_box_beforenm`: HSalsa20(key = X25519(secretKey, publicKey), nonce = 16 zero bytes).
 * Low-order public keys (all-zero shared secret) are refused with `bad_key`, as libsodium does.
 */
export function boxBeforenm(publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertKey(publicKey, "public key");
  assertKey(secretKey, "secret key");
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secretKey, publicKey);
  } catch (cause) {
    throw new CryptoError("bad_key", "public key is not usable for X25519", { cause });
  }
  const keyWords = new Uint32Array(KEY_BYTES / 4);
  const out = new Uint32Array(KEY_BYTES / 4);
  new Uint8Array(keyWords.buffer).set(shared);
  hsalsa(SIGMA, keyWords, ZERO_NONCE, out);
  shared.fill(0);
  keyWords.fill(0);
  return new Uint8Array(out.buffer);
}
