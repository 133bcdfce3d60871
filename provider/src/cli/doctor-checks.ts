import { readFile, realpath, stat, statfs } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEFAULT_GATE, GIB, memoryCapBytes } from "../daemon/memory-gate.js";

export type CheckStatus = "ok" | "warn" | "fail";
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn/fail. */
  fix: string;
}

const result = (name: string, status: CheckStatus, detail: string, fix = ""): CheckResult => ({
  name,
  status,
  detail,
  fix,
});

export const LINUX_LIB_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/lib/x86_64-linux-gnu",
  "/lib/aarch64-linux-gnu",
];

async function findLib(dirs: readonly string[], name: string): Promise<string | undefined> {
  for (const d of dirs) {
    try {
      return await realpath(path.join(d, name));
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** MLX's CPU backend needs LAPACK, and batching only pays with OpenBLAS behind libblas.so.3. */
export async function checkSystemLibraries(
  platform: string,
  libDirs: readonly string[] = LINUX_LIB_DIRS,
): Promise<CheckResult[]> {
  if (platform !== "linux")
    return [result("system libraries", "ok", `${platform}: MLX uses the system frameworks`)];
  const hint = "sudo apt-get install liblapack3 libopenblas0-pthread";
  const lapack = await findLib(libDirs, "liblapack.so.3");
  const blas = await findLib(libDirs, "libblas.so.3");
  return [
    lapack
      ? result("liblapack.so.3", "ok", lapack)
      : result("liblapack.so.3", "fail", "not found: MLX cannot load", hint),
    !blas
      ? result("libblas.so.3", "fail", "not found: MLX cannot load", hint)
      : /openblas/i.test(blas)
        ? result("libblas.so.3", "ok", `OpenBLAS (${blas})`)
        : result(
            "libblas.so.3",
            "warn",
            `reference BLAS (${blas}): batched decoding will be several times slower`,
            `${hint}; then: sudo update-alternatives --config libblas.so.3-$(uname -m)-linux-gnu (pick openblas)`,
          ),
  ];
}

export function checkMemory(totalBytes: number, capOverrideBytes: number): CheckResult {
  const cap = memoryCapBytes({ totalBytes, capOverrideBytes });
  const need =
    DEFAULT_GATE.activationReserveBytes + DEFAULT_GATE.minKvBytes + DEFAULT_GATE.prefixCacheBytes;
  const detail = `${(totalBytes / GIB).toFixed(1)} GiB RAM, model cap ${(cap / GIB).toFixed(1)} GiB`;
  return cap > need
    ? result("memory", "ok", detail)
    : result(
        "memory",
        "fail",
        `${detail}: less than the ${need / GIB} GiB activation + KV + prefix-cache reserve, no model can load`,
        "use a machine with more RAM or raise DARKBLOOM_MEMORY_CAP_BYTES",
      );
}

export async function checkDisk(dir: string): Promise<CheckResult> {
  try {
    const s = await statfs(dir);
    const free = s.bavail * s.bsize;
    const detail = `${(free / GIB).toFixed(1)} GiB free in ${dir}`;
    if (free < GIB) return result("disk", "fail", detail, "free disk space or move DARKBLOOM_HOME");
    if (free < 10 * GIB)
      return result(
        "disk",
        "warn",
        detail,
        "models are several GiB; free some space before downloads",
      );
    return result("disk", "ok", detail);
  } catch (err) {
    return result("disk", "fail", `cannot stat ${dir}: ${String(err)}`, "create DARKBLOOM_HOME");
  }
}

export async function checkCoordinator(baseUrl: string): Promise<CheckResult> {
  try {
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5000) });
    return res.ok
      ? result("coordinator", "ok", `${baseUrl} answers`)
      : result(
          "coordinator",
          "fail",
          `${baseUrl}/health answered ${res.status}`,
          "check DARKBLOOM_COORDINATOR_URL",
        );
  } catch (err) {
    return result(
      "coordinator",
      "fail",
      `${baseUrl} unreachable: ${err instanceof Error ? err.message : String(err)}`,
      "check DARKBLOOM_COORDINATOR_URL and your network",
    );
  }
}

export async function checkKeys(home: string, loggedIn: boolean): Promise<CheckResult[]> {
  const file = path.join(home, "encryption-key");
  let key: CheckResult;
  try {
    const st = await stat(file);
    const bytes = Buffer.from((await readFile(file, "utf8")).trim(), "base64").byteLength;
    key =
      bytes !== 32
        ? result(
            "encryption key",
            "fail",
            `${file} is not a 32-byte key`,
            `delete ${file}; start makes a new one`,
          )
        : (st.mode & 0o077) !== 0
          ? result("encryption key", "warn", `${file} is readable by others`, `chmod 600 ${file}`)
          : result("encryption key", "ok", file);
  } catch {
    key = result("encryption key", "warn", "not created yet", "darkbloom start creates it");
  }
  const login = loggedIn
    ? result("login", "ok", "provider token present")
    : result(
        "login",
        "warn",
        "not linked to an account: earnings are not credited",
        "darkbloom login",
      );
  return [key, login];
}

export const totalMemoryBytes = (): number => os.totalmem();
