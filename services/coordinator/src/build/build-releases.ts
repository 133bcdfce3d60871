// Releases: the release and model registries, their HTTP routes, and the published catalog the
// edge lists in /v1/models.
import { createClient, createRouterTransport } from "@connectrpc/connect";
import type { DatabasePool } from "@darkbloom/db";
import type { ModelCatalog } from "@darkbloom/edge";
import { ReleaseService } from "@darkbloom/proto";
import {
  createModelRegistry,
  createReleaseService,
  createReleasesRoutes,
  type ReleasesHttpDeps,
} from "@darkbloom/releases";

export function buildReleases(
  pool: DatabasePool,
  http: Pick<ReleasesHttpDeps, "authenticate" | "releaseToken">,
) {
  const impl = createReleaseService(pool);
  const modelRegistry = createModelRegistry(pool);
  const catalog: ModelCatalog = {
    listPublished: async () =>
      (await modelRegistry.listPublished()).map(({ manifest: m }) => ({
        id: m.id,
        displayName: m.displayName,
        description: m.description,
        family: m.family,
        quantization: m.quantization,
        contextLength: m.contextLength,
        sizeBytes: m.sizeBytes,
      })),
  };
  return {
    impl,
    modelRegistry,
    catalog,
    /** A client of this service for attestation (release binaries), called in process. */
    client: createClient(
      ReleaseService,
      createRouterTransport((router) => router.service(ReleaseService, impl)),
    ),
    routes: createReleasesRoutes({ pool, ...http }),
  };
}
