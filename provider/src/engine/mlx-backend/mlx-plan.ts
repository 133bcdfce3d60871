// Which MLX binary this machine runs and where it comes from (docs/provider-guide.md#mac-backend).
// Mirrors @frost-beta/mlx's own install.js (which npm's allowScripts skips): on macOS arm64 the
// package's GitHub release carries mlx-mac-arm64.node.gz and mlx-mac-arm64.metallib.gz; the npm
// tarball itself only ships the linux-x64 CPU build.
import { readFileSync } from "node:fs";

export const DEFAULT_MLX_BASE_URL = "https://github.com/frost-beta/node-mlx/releases/download";

/** version → platform → archive name → hex SHA-256 (empty: not pinned yet). */
export type MlxPins = Readonly<
  Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>
>;

/** The checked-in pins (mlx-pins.json), read when a plan needs them. */
export function checkedInPins(): MlxPins {
  return JSON.parse(readFileSync(new URL("./mlx-pins.json", import.meta.url), "utf8")) as MlxPins;
}

export interface MlxDownload {
  url: string;
  archive: string;
  /** Name of the unpacked file next to the others (MLX finds mlx.metallib beside mlx.node). */
  file: "mlx.node" | "mlx.metallib";
  sha256: string;
}

export type MlxPlan =
  | {
      backend: "metal";
      platform: string;
      version: string;
      downloads: MlxDownload[];
      reason: string;
    }
  | { backend: "cpu"; platform: string; version: string; reason: string }
  | { backend: "unsupported"; platform: string; version: string; reason: string };

export function mlxPlan(o: {
  platform: string;
  arch: string;
  version: string;
  baseUrl: string;
  pins?: MlxPins;
}): MlxPlan {
  const platform = `${o.platform}-${o.arch}`;
  const { version } = o;
  if (platform === "darwin-arm64") {
    const pinned = (o.pins ?? checkedInPins())[version]?.[platform] ?? {};
    const download = (archive: string, file: MlxDownload["file"]): MlxDownload => ({
      url: `${o.baseUrl.replace(/\/+$/, "")}/v${version}/${archive}`,
      archive,
      file,
      sha256: pinned[archive] ?? "",
    });
    return {
      backend: "metal",
      platform,
      version,
      downloads: [
        download("mlx-mac-arm64.node.gz", "mlx.node"),
        download("mlx-mac-arm64.metallib.gz", "mlx.metallib"),
      ],
      reason: "Apple Silicon: the Metal build of MLX (GPU, unified memory)",
    };
  }
  if (platform === "linux-x64")
    return {
      backend: "cpu",
      platform,
      version,
      reason: "Linux: the CPU build of MLX packaged in @frost-beta/mlx (MLX has no Metal here)",
    };
  return {
    backend: "unsupported",
    platform,
    version,
    reason:
      o.platform === "darwin"
        ? "an Intel Mac: MLX runs only on Apple Silicon"
        : `no MLX build for ${platform} (supported: darwin-arm64 with Metal, linux-x64 on CPU)`,
  };
}
