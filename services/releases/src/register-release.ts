import { Code, ConnectError } from "@connectrpc/connect";
import type { DatabasePool } from "@darkbloom/db";
import { isSemver } from "@darkbloom/versioning";
import { insertRelease, listReleases, type StoredRelease } from "./store.js";

const SHA256 = /^[0-9a-f]{64}$/;

export interface ReleaseInput {
  version: string;
  notes: string;
  artifacts: ReadonlyArray<{ platform: string; url: string; sha256: string; treeSha256?: string }>;
}

/** Validates and stores a release (Connect RegisterRelease and HTTP POST /v1/releases). */
export async function registerRelease(pool: DatabasePool, r: ReleaseInput): Promise<StoredRelease> {
  if (!isSemver(r.version))
    throw new ConnectError("release.version must be a semantic version", Code.InvalidArgument);
  if (r.artifacts.length === 0)
    throw new ConnectError("a release needs at least one artifact", Code.InvalidArgument);
  for (const a of r.artifacts) {
    if (!a.platform) throw new ConnectError("artifact platform is required", Code.InvalidArgument);
    if (!SHA256.test(a.sha256))
      throw new ConnectError(
        `artifact ${a.platform}: sha256 must be 64 hex digits`,
        Code.InvalidArgument,
      );
    if (a.treeSha256 && !SHA256.test(a.treeSha256))
      throw new ConnectError(
        `artifact ${a.platform}: tree_sha256 must be 64 hex digits`,
        Code.InvalidArgument,
      );
    if (!/^https?:\/\//.test(a.url))
      throw new ConnectError(`artifact ${a.platform}: url must be http(s)`, Code.InvalidArgument);
  }
  const artifacts = r.artifacts.map((a) => ({
    platform: a.platform,
    url: a.url,
    sha256: a.sha256,
    treeSha256: a.treeSha256 ?? "",
  }));
  const created = await insertRelease(pool, { version: r.version, notes: r.notes, artifacts });
  if (!created) throw new ConnectError(`release ${r.version} already exists`, Code.AlreadyExists);
  const stored = (await listReleases(pool)).find((x) => x.version === r.version);
  if (!stored) throw new ConnectError(`release ${r.version} vanished after insert`, Code.Internal);
  return stored;
}
