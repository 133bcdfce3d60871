// `versions/current` switching with a health check and rollback (docs/provider-guide.md#updates).
import { spawn } from "node:child_process";
import { readlink, rename, rm, symlink } from "node:fs/promises";
import path from "node:path";

export type Health = { ok: true } | { ok: false; reason: string };

export type SwitchResult =
  | { ok: true; previous: string | undefined }
  | { ok: false; previous: string | undefined; reason: string };

/** Points `<versions>/current` at `version` atomically (a temporary link renamed over it). */
export async function pointCurrent(versionsDir: string, version: string): Promise<void> {
  const tmp = path.join(versionsDir, `.current-${process.pid}`);
  await rm(tmp, { force: true });
  await symlink(version, tmp);
  await rename(tmp, path.join(versionsDir, "current"));
}

export async function currentVersion(versionsDir: string): Promise<string | undefined> {
  return readlink(path.join(versionsDir, "current")).catch(() => undefined);
}

/**
 * Switches current to `version`, runs the health check, and on failure points current back at
 * the previous version (or removes it when there was none). `check` sees the switched state.
 */
export async function switchVersion(
  versionsDir: string,
  version: string,
  check: () => Promise<Health>,
): Promise<SwitchResult> {
  const previous = await currentVersion(versionsDir);
  await pointCurrent(versionsDir, version);
  const health = await check().catch((err: unknown): Health => ({
    ok: false,
    reason: `health check threw: ${String(err)}`,
  }));
  if (health.ok) return { ok: true, previous };
  if (previous && previous !== version) await pointCurrent(versionsDir, previous);
  else await rm(path.join(versionsDir, "current"), { force: true });
  return { ok: false, previous, reason: health.reason };
}

/**
 * The new version's own probe: `<versions>/current/bin/darkbloom version --json` must exit 0
 * within the timeout and name the expected version.
 */
export function probeVersion(
  versionsDir: string,
  expected: string,
  timeoutMs = 30_000,
): Promise<Health> {
  const bin = path.join(versionsDir, "current", "bin", "darkbloom");
  return new Promise((resolve) => {
    // The child inherits this process's environment (DARKBLOOM_HOME included).
    const child = spawn(bin, ["version", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `${bin} cannot run: ${err.message}` });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0)
        return resolve({
          ok: false,
          reason: `${bin} version exited ${signal ?? code}: ${output.trim().slice(0, 300)}`,
        });
      const line = output
        .split("\n")
        .reverse()
        .find((l) => l.trim().startsWith("{"));
      let reported: unknown;
      try {
        reported = (JSON.parse(line ?? "") as { version?: unknown }).version;
      } catch {
        reported = undefined;
      }
      resolve(
        reported === expected
          ? { ok: true }
          : { ok: false, reason: `${bin} reports version ${String(reported)}, not ${expected}` },
      );
    });
  });
}
