// MLX's Linux build links LAPACK and OpenBLAS from the system. A machine without them must hear one
// clear sentence (or get them installed), never a raw dlopen stack trace.
import { spawnSync, type StdioOptions } from "node:child_process";
import { existsSync } from "node:fs";

/** The Debian/Ubuntu packages that provide liblapack.so.3 and libopenblas.so.0 (as .ci/run installs). */
export const DEBIAN_PACKAGES = ["liblapack3", "libopenblas0-pthread"] as const;

/** The shared object a dlopen error names as missing ("liblapack.so.3: cannot open shared …"). */
export function missingLibrary(errorText: string): string | undefined {
  return /([\w.+-]+\.so[\w.]*): cannot open shared object file/.exec(errorText)?.[1];
}

/** The one sentence a person reads when MLX cannot load for want of a system library. */
export function systemLibrariesSentence(missing: string): string {
  return (
    `MLX cannot load because the system library ${missing} is missing: install ` +
    `${DEBIAN_PACKAGES.join(" and ")} (Debian/Ubuntu: sudo apt-get install -y ` +
    `${DEBIAN_PACKAGES.join(" ")}) and start again.`
  );
}

export type ProbeResult = { ok: true } | { ok: false; missing: string | undefined; detail: string };

/** Loads the MLX binding in a child process (`script` is injectable so tests can fake a miss). */
export function probeMlx(cwd: string, script = "require('@frost-beta/mlx')"): ProbeResult {
  const r = spawnSync(process.execPath, ["-e", script], { cwd, encoding: "utf8" });
  if (r.status === 0) return { ok: true };
  const detail = `${r.stderr}${r.error ? String(r.error) : ""}`;
  return { ok: false, missing: missingLibrary(detail), detail };
}

export interface EnsureDeps {
  probe(): ProbeResult;
  /** Whether this process may install packages itself (root on a machine with apt-get). */
  canInstall: boolean;
  /** Installs DEBIAN_PACKAGES; true on success. */
  install(): boolean;
  log(line: string): void;
}

/**
 * Makes sure MLX can load its system libraries: installs them when allowed, otherwise (or when that
 * did not help) answers the sentence to print. A failure that is not a missing library passes.
 */
export function ensureSystemLibraries(
  deps: EnsureDeps,
): { ok: true } | { ok: false; message: string } {
  const first = deps.probe();
  if (first.ok || first.missing === undefined) return { ok: true };
  if (deps.canInstall) {
    deps.log(`MLX needs ${first.missing}: installing ${DEBIAN_PACKAGES.join(" ")} with apt-get…`);
    if (deps.install()) {
      const again = deps.probe();
      if (again.ok || again.missing === undefined) return { ok: true };
      return { ok: false, message: systemLibrariesSentence(again.missing) };
    }
  }
  return { ok: false, message: systemLibrariesSentence(first.missing) };
}

/** Root on Debian/Ubuntu: `apt-get` is there and we may use it without asking for a password. */
export function canAptInstall(): boolean {
  return process.platform === "linux" && process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
}

/** `apt-get update` then `apt-get install -y` the packages, output shown; true on success. */
export function aptInstall(): boolean {
  // stdin closed: shared libraries ask nothing, and nothing may wait for an answer
  const stdio: StdioOptions = ["ignore", "inherit", "inherit"];
  const update = spawnSync("apt-get", ["update", "-qq"], { stdio });
  if (update.status !== 0) return false;
  const install = spawnSync(
    "apt-get",
    ["install", "-y", "-qq", "--no-install-recommends", ...DEBIAN_PACKAGES],
    { stdio },
  );
  return install.status === 0;
}
