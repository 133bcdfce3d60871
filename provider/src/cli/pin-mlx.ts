// Release step: fills mlx-pins.json with the SHA-256 of the MLX archives a Mac downloads
// (docs/provider-guide.md#mlx-pins). Run where the release host is reachable:
//   npm run pin-mlx -- [--base URL] [--write]
// Prints the pins it computed; with --write it stores them in the checked-in table.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_MLX_BASE_URL, mlxPlan, type MlxPins } from "../engine/mlx-backend/mlx-plan.js";
import { packagedMlxVersion } from "../engine/mlx-backend/prepare-mlx.js";

/** Platforms whose MLX build is downloaded (and so must be pinned). */
const DOWNLOADED = [{ platform: "darwin", arch: "arm64" }];

/** Downloads every archive of `version` from `baseUrl` and returns the pins table with them. */
export async function computeMlxPins(
  o: { version: string; baseUrl: string; current: MlxPins },
  fetchImpl: typeof fetch = fetch,
): Promise<MlxPins> {
  const next = structuredClone(o.current) as Record<string, Record<string, Record<string, string>>>;
  for (const host of DOWNLOADED) {
    const plan = mlxPlan({ ...host, version: o.version, baseUrl: o.baseUrl, pins: o.current });
    if (plan.backend !== "metal") continue;
    const entry: Record<string, string> = {};
    for (const d of plan.downloads) {
      const res = await fetchImpl(d.url, { signal: AbortSignal.timeout(300_000) });
      if (!res.ok) throw new Error(`${d.url}: HTTP ${res.status}; nothing was pinned`);
      entry[d.archive] = createHash("sha256")
        .update(Buffer.from(await res.arrayBuffer()))
        .digest("hex");
    }
    next[o.version] = { ...next[o.version], [plan.platform]: entry };
  }
  return next;
}

const PINS_FILE = fileURLToPath(new URL("../engine/mlx-backend/mlx-pins.json", import.meta.url));

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--base");
  const baseUrl = at >= 0 ? (args[at + 1] ?? DEFAULT_MLX_BASE_URL) : DEFAULT_MLX_BASE_URL;
  const current = JSON.parse(readFileSync(PINS_FILE, "utf8")) as MlxPins;
  const pins = await computeMlxPins({ version: packagedMlxVersion(), baseUrl, current });
  const text = `${JSON.stringify(pins, null, 2)}\n`;
  if (args.includes("--write")) writeFileSync(PINS_FILE, text);
  process.stdout.write(text);
}
