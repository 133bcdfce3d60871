import type { Client } from "@connectrpc/connect";
import type { ReleaseService } from "@darkbloom/proto";
import type { Logger, Registry } from "@darkbloom/telemetry";
import { loadMdaRoots, parseModelHashAllowList } from "./attestation-config.js";
import { createAttestationMetrics } from "./attestation-metrics.js";
import { AttestationAuthority } from "./challenge/attestation-authority.js";

/** The attestation settings of the coordinator config (names as in docs/configuration.md). */
export interface AttestationSettings {
  challengeIntervalMs: number;
  maxAttestationAgeMs: number;
  minVersion: string;
  requireReleaseBinary: boolean;
  /** `modelId=sha256,…` */
  modelHashAllowList: string;
  /** PEM bundle of MDA roots; "" disables hardware+mda. */
  mdaRootsFile: string;
}

/** Builds the authority from settings; `releases` is the release registry's client. */
export async function createAuthority(
  settings: AttestationSettings,
  releases: () => Client<typeof ReleaseService>,
  isEnrolled: (udid: string) => boolean,
  metrics: Registry,
  log: Logger,
): Promise<AttestationAuthority> {
  return new AttestationAuthority(
    {
      challengeIntervalMs: settings.challengeIntervalMs,
      maxAttestationAgeMs: settings.maxAttestationAgeMs,
      minVersion: settings.minVersion,
      requireReleaseBinary: settings.requireReleaseBinary,
      modelHashes: parseModelHashAllowList(settings.modelHashAllowList),
      mdaRoots: await loadMdaRoots(settings.mdaRootsFile),
    },
    {
      releases: async () =>
        (await releases().listReleases({})).releases.map((r) => ({
          version: r.version,
          artifactSha256: r.artifacts.map((a) => a.sha256),
        })),
      isEnrolled,
      metrics: createAttestationMetrics(metrics),
      log,
    },
  );
}
