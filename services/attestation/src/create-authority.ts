import type { Client } from "@connectrpc/connect";
import { weightHashOf } from "@darkbloom/crypto";
import type { ReleaseService } from "@darkbloom/proto";
import type { ModelHashes } from "@darkbloom/model-contract";
import type { Logger, Registry } from "@darkbloom/telemetry";
import { loadMdaRoots, parseModelHashAllowList } from "./attestation-config.js";
import { createAttestationMetrics } from "./attestation-metrics.js";
import { AttestationAuthority } from "./challenge/attestation-authority.js";
import type { IdentityBindings } from "./identity/bind-identity.js";

/** The attestation settings of the coordinator config (names as in docs/configuration.md). */
export interface AttestationSettings {
  challengeIntervalMs: number;
  maxAttestationAgeMs: number;
  minVersion: string;
  requireReleaseBinary: boolean;
  /** Refuse providers without an identity key (`DARKBLOOM_REQUIRE_ATTESTATION`). */
  requireAttestation: boolean;
  /** `modelId=sha256,…` */
  modelHashAllowList: string;
  /** PEM bundle of MDA roots; "" disables hardware+mda. */
  mdaRootsFile: string;
}

/** What the authority reads from other services. */
export interface AuthoritySources {
  /** The release registry's client. */
  releases: () => Client<typeof ReleaseService>;
  /** `lookupModelHashes` of the model registry (services/releases). */
  lookupModelHashes: (id: string) => Promise<ModelHashes | null>;
  /** MDM enrollment (the Postgres device store). */
  isEnrolled: (udid: string) => Promise<boolean>;
  /** Provider id → identity key bindings (the Postgres identity store). */
  identities?: IdentityBindings;
}

/** Builds the authority from settings and the registries it checks providers against. */
export async function createAuthority(
  settings: AttestationSettings,
  sources: AuthoritySources,
  metrics: Registry,
  log: Logger,
): Promise<AttestationAuthority> {
  return new AttestationAuthority(
    {
      challengeIntervalMs: settings.challengeIntervalMs,
      maxAttestationAgeMs: settings.maxAttestationAgeMs,
      minVersion: settings.minVersion,
      requireReleaseBinary: settings.requireReleaseBinary,
      requireAttestation: settings.requireAttestation,
      modelHashes: parseModelHashAllowList(settings.modelHashAllowList),
      mdaRoots: await loadMdaRoots(settings.mdaRootsFile),
    },
    {
      releases: async () =>
        (await sources.releases().listReleases({})).releases.map((r) => ({
          version: r.version,
          treeSha256: r.artifacts.map((a) => a.treeSha256).filter((h) => h !== ""),
        })),
      registryWeightHash: async (id) => {
        const m = await sources.lookupModelHashes(id);
        return m && registryWeightHash(m);
      },
      isEnrolled: sources.isEnrolled,
      identities: sources.identities,
      metrics: createAttestationMetrics(metrics),
      log,
    },
  );
}

/** The registry's weight hash rebuilt from its per-file SHA-256s (the provider's definition). */
export function registryWeightHash(m: ModelHashes): string {
  return weightHashOf(m.files.map((f) => ({ name: f.path, sha256: f.sha256 })));
}
