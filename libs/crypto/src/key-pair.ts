import { x25519 } from "./x25519.js";
import { assertKey } from "./assert-key.js";

/** An X25519 key pair, as used by NaCl `crypto_box`. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** A fresh random X25519 key pair (`crypto_box_keypair`). */
export function generateKeyPair(): KeyPair {
  const secretKey = x25519.randomSecretKey();
  return { publicKey: x25519.getPublicKey(secretKey), secretKey };
}

/** The X25519 public key of a 32-byte secret key (`crypto_scalarmult_base`). */
export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  assertKey(secretKey, "secret key");
  return x25519.getPublicKey(secretKey);
}
