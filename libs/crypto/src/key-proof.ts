import { randomBytes } from "@noble/hashes/utils.js";
import { open, seal } from "./box.js";
import { CryptoError } from "./crypto-error.js";
import { generateKeyPair } from "./key-pair.js";

const CONTEXT = new TextEncoder().encode("darkbloom/key-proof/v1\0");
export const KEY_PROOF_SECRET_BYTES = 32;

/** What the coordinator sends (a KeyProofChallenge frame's fields). */
export interface KeyProofChallengeBytes {
  senderPublicKey: Uint8Array;
  sealed: Uint8Array;
}

/**
 * A proof-of-possession challenge for an X25519 public key: a random secret, domain-separated and
 * sealed to that key from a fresh ephemeral key. Only the holder of the secret key can return it.
 */
export function createKeyProof(recipientPublicKey: Uint8Array): {
  challenge: KeyProofChallengeBytes;
  secret: Uint8Array;
} {
  const secret = randomBytes(KEY_PROOF_SECRET_BYTES);
  const sender = generateKeyPair();
  const plaintext = new Uint8Array(CONTEXT.byteLength + KEY_PROOF_SECRET_BYTES);
  plaintext.set(CONTEXT);
  plaintext.set(secret, CONTEXT.byteLength);
  const sealed = seal(plaintext, recipientPublicKey, sender.secretKey);
  sender.secretKey.fill(0);
  return { challenge: { senderPublicKey: sender.publicKey, sealed }, secret };
}

/**
 * The provider's answer: the secret, or undefined when the box does not open with `secretKey` or
 * its plaintext is not exactly a key-proof (so a sealed inference body is never opened for the
 * sender — the answer cannot be used as a decryption oracle).
 */
export function answerKeyProof(
  challenge: KeyProofChallengeBytes,
  secretKey: Uint8Array,
): Uint8Array | undefined {
  let plaintext: Uint8Array;
  try {
    plaintext = open(challenge.sealed, challenge.senderPublicKey, secretKey);
  } catch (err) {
    if (err instanceof CryptoError) return undefined;
    throw err;
  }
  if (plaintext.byteLength !== CONTEXT.byteLength + KEY_PROOF_SECRET_BYTES) return undefined;
  for (let i = 0; i < CONTEXT.byteLength; i++) if (plaintext[i] !== CONTEXT[i]) return undefined;
  return plaintext.slice(CONTEXT.byteLength);
}

/** Constant-time comparison of the expected secret with a provider's answer. */
export function keyProofMatches(expected: Uint8Array, answer: Uint8Array): boolean {
  if (expected.byteLength !== KEY_PROOF_SECRET_BYTES || answer.byteLength !== expected.byteLength)
    return false;
  let diff = 0;
  for (let i = 0; i < expected.byteLength; i++) diff |= (expected[i] ?? 0) ^ (answer[i] ?? 0);
  return diff === 0;
}
