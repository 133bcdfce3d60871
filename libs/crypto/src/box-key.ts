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
  return sharedKeyOf(shared);
}

/**
 * `crypto_box_keypair` then `crypto_box_beforenm(recipientPublicKey, secretKey)` in one step: the
 * ephemeral public key to send along and the shared key to seal with. The ephemeral secret key is
 * never handed out, so nothing is left to zero but the shared key.
 */
export function ephemeralBoxKey(recipientPublicKey: Uint8Array): {
  publicKey: Uint8Array;
  sharedKey: Uint8Array;
} {
  const { publicKey, sharedKeys } = ephemeralBoxKeys([recipientPublicKey]);
  return { publicKey, sharedKey: sharedKeys[0] as Uint8Array };
}

/**
 * One ephemeral key pair for several recipients (the candidates a request may run on): its public
 * key, and per recipient, in order, the shared key `crypto_box_beforenm` gives. As safe as a pair
 * per recipient: each recipient's key gives a different shared key (a recipient can derive only
 * its own), and each seal draws its own random nonce. One key generation
 * instead of one per recipient. A recipient key that is not usable refuses them all (`bad_key`).
 */
export function ephemeralBoxKeys(recipientPublicKeys: readonly Uint8Array[]): {
  publicKey: Uint8Array;
  sharedKeys: Uint8Array[];
} {
  for (const key of recipientPublicKeys) assertKey(key, "public key");
  let pair: { publicKey: Uint8Array; shared: Uint8Array[] };
  try {
    pair = x25519.ephemeralSharedSecrets(recipientPublicKeys);
  } catch (cause) {
    throw new CryptoError("bad_key", "public key is not usable for X25519", { cause });
  }
  return { publicKey: pair.publicKey, sharedKeys: pair.shared.map(sharedKeyOf) };
}

/** HSalsa20(key = the X25519 shared secret, nonce = 16 zero bytes); zeroes the secret. */
function sharedKeyOf(shared: Uint8Array): Uint8Array {
  const keyWords = new Uint32Array(KEY_BYTES / 4);
  const out = new Uint32Array(KEY_BYTES / 4);
  new Uint8Array(keyWords.buffer).set(shared);
  hsalsa(SIGMA, keyWords, ZERO_NONCE, out);
  shared.fill(0);
  keyWords.fill(0);
  return new Uint8Array(out.buffer);
}
