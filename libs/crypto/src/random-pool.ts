import { randomBytes } from "@noble/ciphers/utils.js";
import { NONCE_BYTES } from "./constants.js";

/** Nonces drawn per call to the CSPRNG (each call costs about as much as a short seal). */
const POOL_NONCES = 128;

let pool = new Uint8Array(0);
let at = 0;

/**
 * A fresh random 24-byte nonce. The platform CSPRNG fills a pool of 128 at a time (one call per
 * 128 seals instead of one per seal); each nonce is copied out and its bytes zeroed in the pool,
 * so no nonce is handed out twice. Nonces are public (they travel in front of the ciphertext):
 * the pool holds nothing secret.
 */
export function randomNonce(): Uint8Array {
  if (at + NONCE_BYTES > pool.length) {
    pool = randomBytes(NONCE_BYTES * POOL_NONCES);
    at = 0;
  }
  const nonce = pool.slice(at, at + NONCE_BYTES);
  pool.fill(0, at, at + NONCE_BYTES);
  at += NONCE_BYTES;
  return nonce;
}
