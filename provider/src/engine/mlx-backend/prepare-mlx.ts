// Start-up step: the right MLX for this machine, fetched and verified if needed, then selected.
import { createRequire } from "node:module";
import { useMlxBinary } from "./mlx.js";
import { ensureMlx, type MlxBinary } from "./mlx-install.js";
import { mlxPlan, type MlxPins, type MlxPlan } from "./mlx-plan.js";

/** The @frost-beta/mlx version installed with the provider (the binaries must match it). */
export function packagedMlxVersion(): string {
  const pkg = createRequire(import.meta.url)("@frost-beta/mlx/package.json") as { version: string };
  return pkg.version;
}

export interface MlxHost {
  platform: string;
  arch: string;
  homeDir: string;
  baseUrl: string;
  pins?: MlxPins;
}

export function planFor(host: MlxHost): MlxPlan {
  return mlxPlan({ ...host, version: packagedMlxVersion() });
}

/** Ensures and selects the binary; throws MlxSetupError with the fix when it cannot. */
export async function prepareMlx(host: MlxHost, fetchImpl?: typeof fetch): Promise<MlxBinary> {
  const binary = await ensureMlx(planFor(host), host.homeDir, fetchImpl);
  if (binary.backend === "metal") useMlxBinary(binary.binaryPath);
  return binary;
}
