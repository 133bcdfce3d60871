import { xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { assertSharedKey } from "./assert-key.js";
import { CryptoError } from "./crypto-error.js";
import { openSecretBoxFast, sealSecretBoxFast } from "./secret-box-open.js";
import { NONCE_BYTES, SEAL_OVERHEAD_BYTES } from "./constants.js";
import { randomNonce } from "./random-pool.js";

/** Seal with a precomputed key: `nonce ‖ MAC ‖ ciphertext` with a fresh random 24-byte nonce. */
export function sealWithSharedKey(sharedKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return sealWithNonce(sharedKey, randomNonce(), plaintext);
}

/**
 * Seal under a caller-chosen nonce. Internal (fixed vectors and tests only): reusing a nonce
 * under one key breaks confidentiality and authenticity, so it is not exported from the index.
 */
export function sealWithNonce(
  sharedKey: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  assertSharedKey(sharedKey);
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
  const sealed = new Uint8Array(SEAL_OVERHEAD_BYTES + plaintext.length);
  sealed.set(nonce, 0);
  sealSecretBoxFast(sharedKey, plaintext, sealed);
  return sealed;
}

/** Open `nonce ‖ MAC ‖ ciphertext` with a precomputed key; throws `CryptoError` on any failure. */
export function openWithSharedKey(sharedKey: Uint8Array, sealed: Uint8Array): Uint8Array {
  assertSharedKey(sharedKey);
  if (!(sealed instanceof Uint8Array) || sealed.length < SEAL_OVERHEAD_BYTES) {
    const got = sealed instanceof Uint8Array ? sealed.length : 0;
    throw new CryptoError(
      "truncated",
      `sealed message is ${got} bytes, minimum ${SEAL_OVERHEAD_BYTES}`,
    );
  }
  const fast = openSecretBoxFast(sharedKey, sealed);
  if (fast) return fast;
  try {
    // a forgery: noble decides (and throws)
    return xsalsa20poly1305(sharedKey, sealed.subarray(0, NONCE_BYTES)).decrypt(
      sealed.subarray(NONCE_BYTES),
    );
  } catch (cause) {
    throw new CryptoError("authentication_failed", "sealed message failed authentication", {
      cause,
    });
  }
}

/** The 24-byte nonce at the front of a sealed message (no copy). */
export function nonceOf(sealed: Uint8Array): Uint8Array {
  if (sealed.length < SEAL_OVERHEAD_BYTES) {
    throw new CryptoError(
      "truncated",
      `sealed message is ${sealed.length} bytes, minimum ${SEAL_OVERHEAD_BYTES}`,
    );
  }
  return sealed.subarray(0, NONCE_BYTES);
}
