import type { DbConnection } from "@darkbloom/db";
import { compareSemver } from "@darkbloom/versioning";
import { listReleases, type StoredRelease } from "./store.js";

/** The highest semantic version (with an artifact for the platform when one is named). */
export async function latestRelease(
  db: DbConnection,
  platform: string,
): Promise<StoredRelease | undefined> {
  return (await listReleases(db))
    .sort((a, b) => compareSemver(b.version, a.version))
    .find((r) => !platform || r.artifacts.some((a) => a.platform === platform));
}
