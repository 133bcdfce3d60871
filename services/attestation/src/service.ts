import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { keyFingerprint } from "@darkbloom/crypto";
import type { AttestationEvidence, AttestationService } from "@darkbloom/proto";
import { isSemver } from "@darkbloom/versioning";
import type { ProviderDirectory } from "./provider-directory.js";

/** The runtime version floor (the AttestationAuthority); absent: SetVersionFloor is unavailable. */
export interface VersionFloor {
  setMinVersion(minVersion: string): string[];
}

/** Each provider's latest good signed attestation answer (the AttestationAuthority). */
export interface EvidenceSource {
  evidenceOf(providerId: string): AttestationEvidence | undefined;
}

/** Forgets a provider id's identity binding (the identity store); absent: reset is unavailable. */
export interface IdentityReset {
  reset(providerId: string): Promise<boolean>;
}

export function createAttestationService(
  directory: ProviderDirectory,
  floor?: VersionFloor,
  evidence?: EvidenceSource,
  identities?: IdentityReset,
): ServiceImpl<typeof AttestationService> {
  return {
    getProviderKeys(req) {
      if (!req.model) throw new ConnectError("model is required", Code.InvalidArgument);
      const keys = directory
        .list()
        .filter((p) => p.routable && p.trustLevel >= req.minTrust && p.models.includes(req.model))
        .map((p) => ({
          providerId: p.providerId,
          publicKey: p.encryptionPublicKey,
          trustLevel: p.trustLevel,
          keyFingerprint: keyFingerprint(p.encryptionPublicKey),
          evidence: evidence?.evidenceOf(p.providerId),
        }));
      return { keys };
    },

    getTrust(req) {
      const p = directory.get(req.providerId);
      if (!p) throw new ConnectError(`provider ${req.providerId} is not connected`, Code.NotFound);
      return {
        trustLevel: p.trustLevel,
        routable: p.routable,
        reason: p.reason,
        lastAttestedAtMs: BigInt(p.lastAttestedAtMs),
      };
    },

    setVersionFloor(req) {
      if (!floor) throw new ConnectError("attestation is not enabled", Code.Unimplemented);
      if (req.minVersion && !isSemver(req.minVersion))
        throw new ConnectError("min_version must be a semantic version", Code.InvalidArgument);
      return { fencedProviderIds: floor.setMinVersion(req.minVersion) };
    },

    async resetProviderIdentity(req) {
      if (!identities)
        throw new ConnectError("identity binding is not enabled", Code.Unimplemented);
      if (!req.providerId) throw new ConnectError("provider_id is required", Code.InvalidArgument);
      return { wasBound: await identities.reset(req.providerId) };
    },
  };
}
