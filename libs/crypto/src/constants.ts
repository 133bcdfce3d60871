/** Byte lengths of NaCl `crypto_box` (curve25519xsalsa20poly1305). */
export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const MAC_BYTES = 16;
/** Bytes a sealed message adds to its plaintext: nonce ‖ MAC. */
export const SEAL_OVERHEAD_BYTES = NONCE_BYTES + MAC_BYTES;
