const encoder = new TextEncoder();
const REGISTER_CONTEXT = encoder.encode("darkbloom/register/v1\0");
const CHALLENGE_CONTEXT = encoder.encode("darkbloom/challenge/v1\0");

// The same byte layouts as services/attestation/src/identity/signed-payloads.ts (pinned by a
// shared test vector in both test files): the provider signs, the coordinator verifies.

export function registerPayload(statusJson: Uint8Array): Uint8Array {
  return Buffer.concat([REGISTER_CONTEXT, statusJson]);
}

export function challengePayload(
  nonce: Uint8Array,
  timestampMs: bigint,
  statusJson: Uint8Array,
): Uint8Array {
  const ts = Buffer.alloc(8);
  ts.writeBigInt64BE(timestampMs);
  return Buffer.concat([CHALLENGE_CONTEXT, nonce, ts, statusJson]);
}
