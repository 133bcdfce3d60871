import { boxBeforenm } from "./box-key.js";
import { openWithSharedKey, sealWithSharedKey } from "./secret-box.js";

/** NaCl `crypto_box` with a random nonce prepended: returns `nonce ‖ MAC ‖ ciphertext`. */
export function seal(
  plaintext: Uint8Array,
  recipientPublicKey: Uint8Array,
  senderSecretKey: Uint8Array,
): Uint8Array {
  const sharedKey = boxBeforenm(recipientPublicKey, senderSecretKey);
  try {
    return sealWithSharedKey(sharedKey, plaintext);
  } finally {
    sharedKey.fill(0);
  }
}

/** NaCl `crypto_box_open` of `nonce ‖ MAC ‖ ciphertext`; throws `CryptoError` on any failure. */
export function open(
  sealed: Uint8Array,
  senderPublicKey: Uint8Array,
  recipientSecretKey: Uint8Array,
): Uint8Array {
  const sharedKey = boxBeforenm(senderPublicKey, recipientSecretKey);
  try {
    return openWithSharedKey(sharedKey, sealed);
  } finally {
    sharedKey.fill(0);
  }
}
