import { p256 } from "@noble/curves/nist.js";

/** ECDSA P-256 over SHA-256(payload), DER signature (what a Secure Enclave key produces). */
export function verifyIdentitySignature(
  identityPublicKey: Uint8Array,
  payload: Uint8Array,
  signatureDer: Uint8Array,
): boolean {
  try {
    return p256.verify(signatureDer, payload, identityPublicKey, { format: "der" });
  } catch {
    return false; // malformed key or signature: simply not valid
  }
}

/** True for a SEC1 P-256 public key (33-byte compressed or 65-byte uncompressed) on the curve. */
export function isIdentityKey(key: Uint8Array): boolean {
  if (key.byteLength !== 33 && key.byteLength !== 65) return false;
  try {
    p256.Point.fromBytes(key).assertValidity();
    return true;
  } catch {
    return false; // not a point on the curve
  }
}
