import { TrustLevel } from "@darkbloom/proto";
import { compareSemver, isSemver } from "@darkbloom/releases";
import type { SessionTrust } from "@darkbloom/routing";
import type { ProviderStatus } from "./identity/provider-status.js";

/** What the coordinator accepts; see docs/security/attestation.md. */
export interface TrustPolicy {
  /** Providers below this semantic version are refused (empty: no floor). */
  minVersion: string;
  /** Latest registered release, named in refusals ("" when none). */
  latestVersion: string;
  /** When set, a provider's binary hash must be an artifact sha256 of the release of its version. */
  releaseBinaries: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  /** Model id → accepted weight hashes; non-empty: every served model must be listed and match. */
  modelHashes: ReadonlyMap<string, ReadonlySet<string>>;
  /** Last good challenge answer older than this fences the provider. */
  maxAttestationAgeMs: number;
}

/** What the coordinator has verified about one provider. */
export interface ProviderEvidence {
  status: ProviderStatus;
  /** A valid MDA chain bound to the identity key. */
  mda: boolean;
  /** The status's deviceId is MDM-enrolled (check-in received, not checked out). */
  enrolled: boolean;
  lastGoodAtMs: number;
  /** The last answer's refusal, until a good answer clears it. */
  failure: string;
}

/** The version-floor refusal text, naming the latest release. */
export function versionRefusal(version: string, policy: TrustPolicy): string | undefined {
  if (!policy.minVersion) return undefined;
  if (isSemver(version) && compareSemver(version, policy.minVersion) >= 0) return undefined;
  const latest = policy.latestVersion ? ` (latest release: ${policy.latestVersion})` : "";
  return `provider version ${version || "unknown"} is below the minimum ${policy.minVersion}; upgrade${latest} with \`darkbloom update\``;
}

export function trustLevelOf(evidence: ProviderEvidence): TrustLevel {
  if (evidence.mda) return TrustLevel.HARDWARE_MDA;
  if (evidence.status.keySource === "secure-enclave" && evidence.enrolled)
    return TrustLevel.HARDWARE;
  return TrustLevel.SOFTWARE;
}

/** Pure: the trust a provider has right now under the policy. */
export function evaluateTrust(
  evidence: ProviderEvidence,
  policy: TrustPolicy,
  nowMs: number,
): SessionTrust {
  const { status } = evidence;
  const fenceReason =
    evidence.failure ||
    (nowMs - evidence.lastGoodAtMs > policy.maxAttestationAgeMs
      ? `no good attestation answer for ${nowMs - evidence.lastGoodAtMs} ms`
      : "") ||
    versionRefusal(status.version, policy) ||
    binaryRefusal(status, policy) ||
    (status.security.inspectorAttached ? "an inspector/debugger is attached to the provider" : "");
  const fencedModels = new Set(
    policy.modelHashes.size === 0
      ? []
      : status.models
          .filter((m) => !policy.modelHashes.get(m.id)?.has(m.weightHash))
          .map((m) => m.id),
  );
  return {
    level: trustLevelOf(evidence),
    routable: fenceReason === "",
    reason:
      fenceReason ||
      (fencedModels.size > 0 ? `untrusted weights: ${[...fencedModels].join(",")}` : ""),
    fencedModels,
    lastAttestedAtMs: evidence.lastGoodAtMs,
  };
}

function binaryRefusal(status: ProviderStatus, policy: TrustPolicy): string {
  if (!policy.releaseBinaries) return "";
  if (policy.releaseBinaries.get(status.version)?.has(status.binaryHash)) return "";
  return `binary hash ${status.binaryHash.slice(0, 16)}… is not an artifact of release ${status.version}`;
}
