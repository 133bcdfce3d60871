// `darkbloom doctor`'s "mlx backend" line (Metal or CPU, and why) and, on macOS, "mac hardware".
import { ThermalState } from "@darkbloom/proto";
import type { MacFacts } from "../daemon/mac-hardware.js";
import { ensureMlx, installedMlx, MlxSetupError } from "../engine/mlx-backend/mlx-install.js";
import { checkedInPins, mlxPlan, type MlxPins } from "../engine/mlx-backend/mlx-plan.js";
import { packagedMlxVersion, planFor, type MlxHost } from "../engine/mlx-backend/prepare-mlx.js";
import type { CheckResult } from "./doctor-checks.js";

/** Offline: only what is installed; online: fetches and verifies a missing Metal build. */
export async function checkMlxBackend(
  host: MlxHost,
  offline: boolean,
  fetchImpl?: typeof fetch,
): Promise<CheckResult> {
  const name = "mlx backend";
  const plan = planFor(host);
  const unpinned =
    plan.backend === "metal" ? plan.downloads.filter((d) => !/^[0-9a-f]{64}$/.test(d.sha256)) : [];
  if (unpinned.length > 0 && !installedMlx(plan, host.homeDir))
    return {
      name,
      status: "fail",
      detail:
        `this build has no pinned SHA-256 for MLX ${plan.version} ${plan.platform} ` +
        `(${unpinned.map((d) => d.archive).join(", ")}), so it cannot fetch and verify the Metal build`,
      fix: "install a released version (curl -fsSL https://COORDINATOR/install.sh | sh); releases fill the pins (docs/provider-guide.md#mlx-pins)",
    };
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

/**
 * Whether this build can install MLX on every platform that downloads it (darwin-arm64): the
 * pins are filled by the release process; an unreleased build has none, which only Macs feel.
 */
export function checkMlxPins(
  pins: MlxPins = checkedInPins(),
  version = packagedMlxVersion(),
): CheckResult {
  const plan = mlxPlan({ platform: "darwin", arch: "arm64", version, baseUrl: "", pins });
  const missing =
    plan.backend === "metal"
      ? plan.downloads.filter((d) => !/^[0-9a-f]{64}$/.test(d.sha256)).map((d) => d.archive)
      : [];
  if (missing.length === 0)
    return {
      name: "mlx pins",
      status: "ok",
      detail: `MLX ${version} darwin-arm64 archives pinned (SHA-256)`,
      fix: "",
    };
  return {
    name: "mlx pins",
    status: "warn",
    detail: `MLX ${version} darwin-arm64: no SHA-256 pinned for ${missing.join(", ")}; Macs cannot install this build`,
    fix: "not a released build: a release runs npm run pin-mlx -- --write first (docs/provider-guide.md#mlx-pins)",
  };
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
