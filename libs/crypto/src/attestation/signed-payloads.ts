const encoder = new TextEncoder();
const REGISTER_CONTEXT = encoder.encode("darkbloom/register/v1\0");
const CHALLENGE_CONTEXT = encoder.encode("darkbloom/challenge/v1\0");
const KEY_PROOF_CONTEXT = encoder.encode("darkbloom/key-proof/v1\0");
const ROTATION_CONTEXT = encoder.encode("darkbloom/identity-rotation/v1\0");

// The bytes a provider's identity key signs (the provider signs, the coordinator verifies; one
// definition for both, pinned by vectors in attestation-payloads.test.ts).

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

/**
 * Bytes the identity key a provider id is bound to signs to move the id to a new identity key:
 * context ‖ X25519 encryption key (32) ‖ new identity key (SEC1).
 */
export function identityRotationPayload(
  encryptionPublicKey: Uint8Array,
  newIdentityPublicKey: Uint8Array,
): Uint8Array {
  return concat(ROTATION_CONTEXT, encryptionPublicKey, newIdentityPublicKey);
}

/**
 * Bytes the identity key signs in a KeyProof (a fresh proof of the identity key at registration):
 * context ‖ the opened secret (32) ‖ X25519 encryption key (32).
 */
export function keyProofPayload(secret: Uint8Array, encryptionPublicKey: Uint8Array): Uint8Array {
  return concat(KEY_PROOF_CONTEXT, secret, encryptionPublicKey);
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
