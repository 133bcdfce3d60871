import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

const releaseRow = z.object({ version: z.string(), notes: z.string(), created_at_ms: z.number() });
const artifactRow = z.object({
  version: z.string(),
  platform: z.string(),
  url: z.string(),
  sha256: z.string(),
  tree_sha256: z.string(),
});

export interface StoredArtifact {
  platform: string;
  url: string;
  sha256: string;
  /** Provider code-tree hash (attestation binary hash); "" when not registered. */
  treeSha256: string;
}

export interface StoredRelease {
  version: string;
  notes: string;
  createdAtMs: number;
  artifacts: StoredArtifact[];
}

/** Inserts a release and its artifacts; false when the version already exists. */
export async function insertRelease(
  db: DbConnection,
  release: Omit<StoredRelease, "createdAtMs">,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const inserted = await tx.maybeOne(
      sql.type(z.object({ version: z.string() }))`
        INSERT INTO releases (version, notes) VALUES (${release.version}, ${release.notes})
        ON CONFLICT (version) DO NOTHING RETURNING version`,
    );
    if (!inserted) return false;
    for (const a of release.artifacts) {
      await tx.query(sql.unsafe`
        INSERT INTO release_artifacts (version, platform, url, sha256, tree_sha256)
        VALUES (${release.version}, ${a.platform}, ${a.url}, ${a.sha256}, ${a.treeSha256})`);
    }
    return true;
  });
}

export async function listReleases(db: DbConnection): Promise<StoredRelease[]> {
  const releases = await db.any(
    sql.type(releaseRow)`
      SELECT version, notes, (extract(epoch FROM created_at) * 1000)::float8 AS created_at_ms FROM releases`,
  );
  const artifacts = await db.any(
    sql.type(
      artifactRow,
    )`SELECT version, platform, url, sha256, tree_sha256 FROM release_artifacts ORDER BY platform`,
  );
  return releases.map((r) => ({
    version: r.version,
    notes: r.notes,
    createdAtMs: Math.round(r.created_at_ms),
    artifacts: artifacts
      .filter((a) => a.version === r.version)
      .map(({ platform, url, sha256, tree_sha256 }) => ({
        platform,
        url,
        sha256,
        treeSha256: tree_sha256,
      })),
  }));
}
