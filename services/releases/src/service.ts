import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { DatabasePool } from "@darkbloom/db";
import type { ReleaseService } from "@darkbloom/proto";
import { compareSemver, isSemver } from "./semver.js";
import { insertRelease, listReleases, type StoredRelease } from "./store.js";

const SHA256 = /^[0-9a-f]{64}$/;

const toProto = (r: StoredRelease) => ({
  version: r.version,
  notes: r.notes,
  createdAtMs: BigInt(r.createdAtMs),
  artifacts: r.artifacts,
});

export function createReleaseService(pool: DatabasePool): ServiceImpl<typeof ReleaseService> {
  const sorted = async (): Promise<StoredRelease[]> =>
    (await listReleases(pool)).sort((a, b) => compareSemver(b.version, a.version));

  return {
    async registerRelease(req) {
      const r = req.release;
      if (!r || !isSemver(r.version))
        throw new ConnectError("release.version must be a semantic version", Code.InvalidArgument);
      if (r.artifacts.length === 0)
        throw new ConnectError("a release needs at least one artifact", Code.InvalidArgument);
      for (const a of r.artifacts) {
        if (!SHA256.test(a.sha256))
          throw new ConnectError(
            `artifact ${a.platform}: sha256 must be 64 hex digits`,
            Code.InvalidArgument,
          );
        if (!/^https?:\/\//.test(a.url))
          throw new ConnectError(
            `artifact ${a.platform}: url must be http(s)`,
            Code.InvalidArgument,
          );
        if (!a.platform)
          throw new ConnectError("artifact platform is required", Code.InvalidArgument);
      }
      const artifacts = r.artifacts.map((a) => ({
        platform: a.platform,
        url: a.url,
        sha256: a.sha256,
      }));
      const created = await insertRelease(pool, { version: r.version, notes: r.notes, artifacts });
      if (!created)
        throw new ConnectError(`release ${r.version} already exists`, Code.AlreadyExists);
      const stored = (await listReleases(pool)).find((x) => x.version === r.version);
      return { release: stored ? toProto(stored) : undefined };
    },

    async listReleases() {
      return { releases: (await sorted()).map(toProto) };
    },

    async getLatestRelease(req) {
      const latest = (await sorted()).find(
        (r) => !req.platform || r.artifacts.some((a) => a.platform === req.platform),
      );
      if (!latest) throw new ConnectError("no release is registered", Code.NotFound);
      return { release: toProto(latest) };
    },
  };
}
