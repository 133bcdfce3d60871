// Attestation: verifies registrations, challenges providers, sets each session's trust; MDM
// enrollment profiles and check-ins as routes of the front door.
import type { Client } from "@connectrpc/connect";
import {
  createAttestationService,
  createAuthority,
  createDeviceStore,
  createEnrollmentRoutes,
  createIdentityStore,
  enrollmentProfileSettings,
  loadMdmIdentityRoots,
  loadProfileSigner,
} from "@darkbloom/attestation";
import type { DatabasePool } from "@darkbloom/db";
import type { Principal } from "@darkbloom/edge";
import type { ReleaseService } from "@darkbloom/proto";
import type { ProviderRegistry } from "@darkbloom/routing";
import type { Logger, Registry } from "@darkbloom/telemetry";
import type { CoordinatorConfig } from "../config.js";
import { registryDirectory } from "../registry-directory.js";
import { withScope } from "../scoped-authenticate.js";

export interface AttestationSources {
  readonly registry: ProviderRegistry;
  readonly releases: Client<typeof ReleaseService>;
  lookupModelHashes(
    modelId: string,
  ): ReturnType<Parameters<typeof createAuthority>[1]["lookupModelHashes"]>;
  readonly authenticate: (key: string) => Promise<Principal | null>;
}

export async function buildAttestation(
  settings: CoordinatorConfig["attestation"],
  pool: DatabasePool,
  sources: AttestationSources,
  metrics: Registry,
  log: Logger,
) {
  const devices = createDeviceStore(pool);
  const identities = createIdentityStore(pool);
  const authority = await createAuthority(
    settings,
    {
      releases: () => sources.releases,
      lookupModelHashes: (id) => sources.lookupModelHashes(id),
      isEnrolled: (udid) => devices.isEnrolled(udid),
      identities,
    },
    metrics,
    log.child({ component: "attestation" }),
  );
  const impl = createAttestationService(
    registryDirectory(sources.registry),
    authority,
    authority,
    identities,
  );
  const routes = createEnrollmentRoutes({
    authenticate: withScope(sources.authenticate, "account:write"),
    signer: await loadProfileSigner(
      settings.profileSigningCertFile,
      settings.profileSigningKeyFile,
    ),
    profile: enrollmentProfileSettings(settings.mdmServerUrl),
    devices,
    mdmIdentityRoots: await loadMdmIdentityRoots(settings.mdmIdentityRootsFile),
    log: log.child({ component: "enrollment" }),
  });
  return { authority, impl, routes };
}
