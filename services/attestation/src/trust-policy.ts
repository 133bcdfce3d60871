import { TrustLevel } from "@darkbloom/proto";
import type { SessionTrust } from "@darkbloom/session-trust";
import { compareSemver, isSemver } from "@darkbloom/versioning";
import type { ProviderStatus } from "./identity/provider-status.js";

/** What the coordinator accepts; see docs/security/attestation.md. */
export interface TrustPolicy {
  /** Providers below this semantic version are refused (empty: no floor). */
  minVersion: string;
  /** Latest registered release, named in refusals ("" when none). */
  latestVersion: string;
  /** Providers without an identity key are refused at registration. */
  requireAttestation: boolean;
  /** When set: release version → the artifacts' `tree_sha256`; the binary hash must be one. */
  releaseBinaries: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  /**
   * The allow-list override (`DARKBLOOM_MODEL_HASH_ALLOWLIST`): model id → accepted weight
   * hashes. A listed model must match it; when non-empty, a model neither listed nor published
   * in the registry is fenced.
   */
  modelHashes: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * The model registry: model id → the weight hash rebuilt from its published per-file SHA-256s
   * (`weightHashOf`), `null` when the registry does not publish it, absent while the lookup is
   * pending (the model is fenced until it completes).
   */
  registryWeightHashes: ReadonlyMap<string, string | null>;
  /** Whether the model registry is consulted at all (false: only the allow-list applies). */
  registryEnabled: boolean;
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

/** The one model refusal that only lasts until a lookup in progress answers. */
const REGISTRY_CHECK_PENDING = "model registry check pending";

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
  const fencedModels = new Set<string>();
  const pendingModels = new Set<string>();
  for (const m of status.models) {
    const refusal = modelRefusal(m, policy);
    if (refusal !== "") fencedModels.add(m.id);
    if (refusal === REGISTRY_CHECK_PENDING) pendingModels.add(m.id);
  }
  return {
    level: trustLevelOf(evidence),
    routable: fenceReason === "",
    reason:
      fenceReason ||
      (fencedModels.size > 0 ? `untrusted weights: ${[...fencedModels].join(",")}` : ""),
    fencedModels,
    pendingModels,
    lastAttestedAtMs: evidence.lastGoodAtMs,
  };
}

/** Why a served model's signed weight hash is not trusted ("" when it is). */
export function modelRefusal(m: { id: string; weightHash: string }, policy: TrustPolicy): string {
  const allowed = policy.modelHashes.get(m.id);
  if (allowed) return allowed.has(m.weightHash) ? "" : "weight hash not in the allow-list";
  const registry = policy.registryWeightHashes.get(m.id);
  if (registry === undefined && policy.registryEnabled) return REGISTRY_CHECK_PENDING;
  if (registry !== undefined && registry !== null)
    return registry === m.weightHash ? "" : "weight hash differs from the registry";
  return policy.modelHashes.size > 0 ? "model neither allow-listed nor in the registry" : "";
}

function binaryRefusal(status: ProviderStatus, policy: TrustPolicy): string {
  if (!policy.releaseBinaries) return "";
  if (policy.releaseBinaries.get(status.version)?.has(status.binaryHash)) return "";
  return `binary hash ${status.binaryHash.slice(0, 16)}… is not the code tree of release ${status.version}`;
}
