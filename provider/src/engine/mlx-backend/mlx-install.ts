// Fetches and verifies the Metal build of MLX into the provider's data dir (at first start or by
// `darkbloom doctor`), once per version: <home>/mlx/<version>/{mlx.node,mlx.metallib}.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { MlxDownload, MlxPlan } from "./mlx-plan.js";

export class MlxSetupError extends Error {
  override readonly name = "MlxSetupError";
}

export type MlxBinary =
  | { backend: "metal"; binaryPath: string; dir: string; reason: string }
  | { backend: "cpu"; binaryPath: undefined; reason: string };

/** Where a version's verified files live; `verified` is written last, after every check passed. */
export function mlxDir(homeDir: string, version: string): string {
  return path.join(homeDir, "mlx", version);
}

/** The installed binary for the plan, without downloading (doctor's view); undefined if absent. */
export function installedMlx(plan: MlxPlan, homeDir: string): MlxBinary | undefined {
  if (plan.backend === "cpu") return { backend: "cpu", binaryPath: undefined, reason: plan.reason };
  if (plan.backend === "unsupported") return undefined;
  const dir = mlxDir(homeDir, plan.version);
  if (!existsSync(path.join(dir, "verified"))) return undefined;
  return { backend: "metal", binaryPath: path.join(dir, "mlx.node"), dir, reason: plan.reason };
}

/**
 * Makes the plan's binary available: nothing to do on the CPU backend; on Metal, downloads each
 * archive, checks its pinned SHA-256, gunzips it beside the others and marks the folder verified.
 * Throws MlxSetupError with one sentence (and the fix) when unsupported, unpinned or offline.
 */
export async function ensureMlx(
  plan: MlxPlan,
  homeDir: string,
  fetchImpl: typeof fetch = fetch,
): Promise<MlxBinary> {
  if (plan.backend === "unsupported")
    throw new MlxSetupError(`this machine cannot run the provider: ${plan.reason}`);
  const ready = installedMlx(plan, homeDir);
  if (ready) return ready;
  if (plan.backend !== "metal") throw new MlxSetupError("unreachable");
  const unpinned = plan.downloads.filter((d) => !/^[0-9a-f]{64}$/.test(d.sha256));
  if (unpinned.length > 0)
    throw new MlxSetupError(
      `no pinned SHA-256 for ${unpinned.map((d) => d.archive).join(", ")} (MLX ${plan.version}); ` +
        "this provider build is incomplete: install a released version (install.sh)",
    );
  const dir = mlxDir(homeDir, plan.version);
  const staging = `${dir}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    for (const d of plan.downloads) await fetchVerified(d, staging, fetchImpl);
    await writeFile(path.join(staging, "verified"), `${new Date().toISOString()}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return { backend: "metal", binaryPath: path.join(dir, "mlx.node"), dir, reason: plan.reason };
}

async function fetchVerified(d: MlxDownload, dir: string, fetchImpl: typeof fetch): Promise<void> {
  let bytes: Buffer;
  try {
    const res = await fetchImpl(d.url, { signal: AbortSignal.timeout(120_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (cause) {
    throw new MlxSetupError(
      `cannot download the Metal build of MLX from ${d.url} (${cause instanceof Error ? cause.message : String(cause)}): ` +
        "connect this Mac to the internet once, or set DARKBLOOM_MLX_BASE_URL to a mirror, then run: darkbloom doctor",
      { cause },
    );
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== d.sha256)
    throw new MlxSetupError(
      `${d.archive} from ${d.url} has SHA-256 ${sha256}, not the pinned ${d.sha256}; nothing was installed`,
    );
  await writeFile(path.join(dir, d.file), gunzipSync(bytes));
}

/** The archive bytes' SHA-256 as the pins record it (for the release process and tests). */
export async function archiveSha256(file: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(file))
    .digest("hex");
}
