import { fromBase64, keyFingerprint } from "@darkbloom/crypto";
import type { AttestedKey } from "./evidence/wire-evidence.js";
import { DarkbloomError } from "./sdk-error.js";

type Candidate = Pick<AttestedKey, "provider_id" | "public_key" | "key_fingerprint">;

/**
 * The reserved provider's key, accepted only if its fingerprint is what the reservation claims and
 * the same provider and key are in the candidate list (the keys the SDK verified from evidence).
 */
export function verifyProviderKey(
  reserved: { provider_id: string; provider_public_key: string; key_fingerprint: string },
  candidates: readonly Candidate[],
): Uint8Array {
  const key = fromBase64(reserved.provider_public_key);
  const fingerprint = keyFingerprint(key);
  const listed = candidates.some(
    (c) =>
      c.provider_id === reserved.provider_id &&
      c.public_key === reserved.provider_public_key &&
      c.key_fingerprint === fingerprint,
  );
  if (fingerprint !== reserved.key_fingerprint || !listed) {
    throw new DarkbloomError(
      0,
      "provider_key_not_attested",
      "the reserved provider's key is not in the attested key list; refusing to seal to it",
    );
  }
  return key;
}
