import { spawnSync } from "node:child_process";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { compareSemver } from "@darkbloom/versioning";
import { DownloadError, downloadResumable } from "../models/resumable-download.js";
import { PROVIDER_VERSION } from "../version.js";
import { flag } from "./args.js";
import type { CliContext } from "./cli-context.js";
import { EXIT } from "./exit-codes.js";
import { restartService } from "./restart-service.js";
import { toHttpBaseUrl } from "./start.js";
import { probeVersion, switchVersion } from "./version-switch.js";

interface LatestRelease {
  version: string;
  notes: string;
  artifacts: Array<{ platform: string; url: string; sha256: string }>;
}

export const currentPlatform = (): string => `${process.platform}-${process.arch}`;

/**
 * `darkbloom update [--force] [--platform P]`: fetch the coordinator's latest release, stream the
 * artifact for this platform to `<home>/versions/<version>.download` (an interrupted download
 * resumes with a Range request on the next run), check its SHA-256 (hashed while streaming, never
 * held in memory), unpack it into `<home>/versions/<version>`, point `<home>/versions/current` at
 * it and run its health check (`bin/darkbloom version --json`); on failure current goes back to
 * the previous version. The service runs `<home>/bin/darkbloom` (launcher.ts), which execs
 * versions/current, and is restarted when installed.
 */
export async function updateCommand(ctx: CliContext): Promise<number> {
  const { out, paths, args } = ctx;
  const base = toHttpBaseUrl(flag(args, "coordinator") ?? ctx.config.coordinatorUrl);
  const platform = flag(args, "platform") ?? currentPlatform();
  let res: Response;
  try {
    res = await fetch(`${base}/v1/releases/latest?platform=${encodeURIComponent(platform)}`, {
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    out.error(`cannot reach ${base}: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.network;
  }
  if (res.status === 404) {
    out.result({ updated: false, reason: "no release" }, `no release is published for ${platform}`);
    return EXIT.ok;
  }
  if (!res.ok) {
    out.error(`release lookup answered ${res.status}`);
    return EXIT.network;
  }
  const latest = (await res.json()) as LatestRelease;
  if (compareSemver(latest.version, PROVIDER_VERSION) <= 0 && flag(args, "force") !== "true") {
    out.result(
      { updated: false, current: PROVIDER_VERSION, latest: latest.version },
      `up to date (${PROVIDER_VERSION})`,
    );
    return EXIT.ok;
  }
  const artifact = latest.artifacts.find((a) => a.platform === platform);
  if (!artifact) {
    out.error(`release ${latest.version} has no artifact for ${platform}`);
    return EXIT.failure;
  }
  await mkdir(paths.versions, { recursive: true });
  const download = path.join(paths.versions, `${latest.version}.download`);
  const bar = out.progress(`downloading ${latest.version}`);
  let sha256: string;
  let resumedBytes = 0;
  try {
    const got = await downloadResumable(artifact.url, download, {
      onProgress: (done, total) => bar.update(done, total || done),
    });
    sha256 = got.sha256;
    resumedBytes = got.resumedBytes;
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err;
    out.error(err.message);
    return EXIT.network;
  } finally {
    bar.done();
  }
  if (sha256 !== artifact.sha256) {
    await rm(download, { force: true });
    out.error(
      `artifact SHA-256 ${sha256} does not match the release's ${artifact.sha256}; nothing was installed`,
    );
    return EXIT.checkFailed;
  }
  const target = path.join(paths.versions, latest.version);
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  if (/\.(tar\.gz|tgz)$/.test(new URL(artifact.url).pathname)) {
    const tar = spawnSync("tar", ["-xzf", download, "-C", target]);
    await rm(download, { force: true });
    if (tar.status !== 0) {
      out.error(`cannot unpack the artifact: ${tar.stderr.toString()}`);
      return EXIT.failure;
    }
  } else {
    await rename(download, path.join(target, path.basename(new URL(artifact.url).pathname)));
  }
  const switched = await switchVersion(paths.versions, latest.version, () =>
    probeVersion(paths.versions, latest.version),
  );
  if (!switched.ok) {
    out.error(
      `${latest.version} failed its health check (${switched.reason}); ` +
        (switched.previous
          ? `rolled back to ${switched.previous}`
          : "nothing was installed before, so no version is current"),
    );
    return EXIT.checkFailed;
  }
  const restarted = await restartService();
  out.result(
    {
      updated: true,
      from: switched.previous ?? PROVIDER_VERSION,
      to: latest.version,
      dir: target,
      sha256,
      resumedBytes,
      service: restarted,
    },
    `updated ${switched.previous ?? PROVIDER_VERSION} -> ${latest.version} (sha256 verified, health check passed) in ${target}; ` +
      (restarted === "restarted"
        ? "the service was restarted on it"
        : "no service is installed: restart the daemon to run it"),
  );
  return EXIT.ok;
}
