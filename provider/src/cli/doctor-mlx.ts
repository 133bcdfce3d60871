// `darkbloom doctor`'s "mlx backend" line (Metal or CPU, and why) and, on macOS, "mac hardware".
import { ThermalState } from "@darkbloom/proto";
import type { MacFacts } from "../daemon/mac-hardware.js";
import { ensureMlx, installedMlx, MlxSetupError } from "../engine/mlx-backend/mlx-install.js";
import { planFor, type MlxHost } from "../engine/mlx-backend/prepare-mlx.js";
import type { CheckResult } from "./doctor-checks.js";

/** Offline: only what is installed; online: fetches and verifies a missing Metal build. */
export async function checkMlxBackend(
  host: MlxHost,
  offline: boolean,
  fetchImpl?: typeof fetch,
): Promise<CheckResult> {
  const name = "mlx backend";
  const plan = planFor(host);
  try {
    const binary = offline
      ? installedMlx(plan, host.homeDir)
      : await ensureMlx(plan, host.homeDir, fetchImpl);
    if (!binary)
      return {
        name,
        status: "fail",
        detail: `Metal build of MLX ${plan.version} for ${plan.platform} is not installed yet`,
        fix: "run darkbloom doctor without --offline (it downloads and verifies it)",
      };
    if (binary.backend === "cpu")
      return { name, status: "ok", detail: `CPU (${plan.platform}) — ${binary.reason}`, fix: "" };
    return {
      name,
      status: "ok",
      detail: `Metal (${plan.platform}) — ${binary.reason}; MLX ${plan.version} mlx.node + mlx.metallib, SHA-256 verified, in ${binary.dir}`,
      fix: "",
    };
  } catch (err) {
    if (!(err instanceof MlxSetupError)) throw err;
    return {
      name,
      status: "fail",
      detail: err.message,
      fix: "connect to the internet or set DARKBLOOM_MLX_BASE_URL to a mirror, then: darkbloom doctor",
    };
  }
}

/** macOS only: the hardware facts Register sends, thermal state, and SIP (warn when off). */
export function checkMacHardware(facts: MacFacts): CheckResult {
  const detail =
    `${facts.chip || "unknown chip"} (${facts.model}), ${facts.gpuCores} GPU cores, ` +
    `${(facts.memoryBytes / 1024 ** 3).toFixed(0)} GiB, ~${facts.bandwidthGbps} GB/s class, ` +
    `thermal ${ThermalState[facts.thermal].toLowerCase()} (CPU speed limit ${facts.cpuSpeedLimitPercent} %), ` +
    `SIP ${facts.sip}`;
  const sipOff = facts.sip !== "enabled";
  return {
    name: "mac hardware",
    status: sipOff ? "warn" : "ok",
    detail,
    fix: sipOff
      ? "System Integrity Protection is not fully on: hardware trust levels need it (csrutil enable from recovery mode)"
      : "",
  };
}
