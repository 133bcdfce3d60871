import type { TrustName } from "../chat-types.js";
import { DarkbloomError } from "../sdk-error.js";
import { checkIdentityPin, type PinPolicy } from "./identity-pins.js";
import { trustRank } from "./trust-rank.js";
import { verifyEvidence, type EvidencePolicy, type VerifiedKey } from "./verify-evidence.js";
import type { AttestedKey } from "./wire-evidence.js";

export type VerificationPolicy = EvidencePolicy & PinPolicy;

export interface VerifiedCandidate {
  key: AttestedKey;
  verified: VerifiedKey;
}

/**
 * Verifies every candidate key the coordinator offered and keeps those whose own evidence holds
 * (and meets `minTrust`, and the identity pins). Refuses — before anything is reserved or sealed —
 * when none is left, with the first candidate's refusal (or `model_not_found` for an empty list).
 */
export async function verifyCandidates(
  keys: readonly AttestedKey[],
  minTrust: TrustName | undefined,
  policy: VerificationPolicy,
  nowMs: number,
): Promise<VerifiedCandidate[]> {
  if (minTrust === "hardware_mda" && policy.attestationRoots.length === 0)
    throw new DarkbloomError(
      0,
      "attestation_roots_required",
      "min_trust hardware_mda needs the attestationRoots option: without MDA roots the SDK cannot verify a hardware_mda provider",
    );
  const kept: VerifiedCandidate[] = [];
  let firstRefusal: DarkbloomError | undefined;
  for (const key of keys) {
    try {
      const verified = await verifyEvidence(key, policy, nowMs);
      if (minTrust && trustRank(verified.verifiedTrust) < trustRank(minTrust))
        throw new DarkbloomError(
          0,
          "attestation_trust_below_minimum",
          `provider ${key.provider_id}'s evidence supports ${verified.verifiedTrust}, below min_trust ${minTrust}`,
        );
      checkIdentityPin(key.provider_id, verified.identityFingerprint, policy);
      kept.push({ key, verified });
    } catch (err) {
      if (!(err instanceof DarkbloomError)) throw err;
      firstRefusal ??= err;
    }
  }
  if (kept.length > 0) return kept;
  if (firstRefusal)
    throw new DarkbloomError(
      0,
      firstRefusal.code,
      `no provider key could be verified (${keys.length} offered): ${firstRefusal.message}`,
      { cause: firstRefusal },
    );
  throw new DarkbloomError(404, "model_not_found", "no attested provider of the model is online");
}
