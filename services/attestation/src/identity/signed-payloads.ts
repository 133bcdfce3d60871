import { p256 } from "@noble/curves/nist.js";

const encoder = new TextEncoder();
const REGISTER_CONTEXT = encoder.encode("darkbloom/register/v1\0");
const CHALLENGE_CONTEXT = encoder.encode("darkbloom/challenge/v1\0");

/** Bytes the identity key signs at registration: context ‖ status JSON. */
export function registerPayload(statusJson: Uint8Array): Uint8Array {
  return concat(REGISTER_CONTEXT, statusJson);
}

/** Bytes signed in a challenge answer: context ‖ nonce (32) ‖ timestamp (int64 BE) ‖ status JSON. */
export function challengePayload(
  nonce: Uint8Array,
  timestampMs: bigint,
  statusJson: Uint8Array,
): Uint8Array {
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigInt64(0, timestampMs);
  return concat(CHALLENGE_CONTEXT, nonce, ts, statusJson);
}

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

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
