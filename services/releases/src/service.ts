import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { DatabasePool } from "@darkbloom/db";
import type { ReleaseService } from "@darkbloom/proto";
import { latestRelease } from "./latest-release.js";
import { registerRelease } from "./register-release.js";
import { listReleases, type StoredRelease } from "./store.js";
import { compareSemver } from "@darkbloom/versioning";

const toProto = (r: StoredRelease) => ({
  version: r.version,
  notes: r.notes,
  createdAtMs: BigInt(r.createdAtMs),
  artifacts: r.artifacts,
});

export function createReleaseService(pool: DatabasePool): ServiceImpl<typeof ReleaseService> {
  return {
    async registerRelease(req) {
      if (!req.release) throw new ConnectError("release is required", Code.InvalidArgument);
      return { release: toProto(await registerRelease(pool, req.release)) };
    },

    async listReleases() {
      const all = (await listReleases(pool)).sort((a, b) => compareSemver(b.version, a.version));
      return { releases: all.map(toProto) };
    },

    async getLatestRelease(req) {
      const latest = await latestRelease(pool, req.platform);
      if (!latest) throw new ConnectError("no release is registered", Code.NotFound);
      return { release: toProto(latest) };
    },
  };
}
