import { HashCache } from "../models/hash-weights.js";
import { scanModelsDir } from "../models/scan-models.js";
import { verifyModel } from "../models/verify-model.js";
import { flag, flags } from "./args.js";
import type { CliContext } from "./cli-context.js";
import { readCredentials } from "./credentials.js";
import {
  checkCoordinator,
  checkDisk,
  checkKeys,
  checkMemory,
  checkSystemLibraries,
  totalMemoryBytes,
  type CheckResult,
} from "./doctor-checks.js";
import { macHardware } from "../daemon/hardware.js";
import { checkMacHardware, checkMlxBackend, checkMlxPins } from "./doctor-mlx.js";
import { EXIT } from "./exit-codes.js";
import { fetchRegistryManifest } from "./registry-client.js";
import { toHttpBaseUrl } from "./start.js";

const MARK = { ok: "ok  ", warn: "WARN", fail: "FAIL" } as const;

/** `darkbloom doctor [--model DIR]... [--offline]`: every check with a fix hint; exit 3 if any fails. */
export async function doctorCommand(ctx: CliContext): Promise<number> {
  const { config, paths, out, args } = ctx;
  const base = toHttpBaseUrl(flag(args, "coordinator") ?? config.coordinatorUrl);
  const offline = flag(args, "offline") === "true";
  const checks: CheckResult[] = [
    await checkMlxBackend(
      {
        platform: process.platform,
        arch: process.arch,
        homeDir: config.homeDir,
        baseUrl: config.mlxBaseUrl,
      },
      offline,
    ),
    checkMlxPins(),
    ...(process.platform === "darwin" ? [checkMacHardware(macHardware())] : []),
    ...(await checkSystemLibraries(process.platform)),
    checkMemory(totalMemoryBytes(), config.memoryCapBytes),
    await checkDisk(paths.home),
    ...(offline ? [] : [await checkCoordinator(base)]),
    ...(await checkKeys(paths.home, (await readCredentials(paths)) !== undefined)),
  ];
  const dirs = flags(args, "model");
  const cache = new HashCache(paths.hashCache);
  for (const dir of dirs.length > 0 ? dirs : await scanModelsDir(paths.models)) {
    const id = dir.split(/[\\/]/).filter(Boolean).at(-1) ?? dir;
    const expected = offline
      ? undefined
      : await fetchRegistryManifest(base, id).catch(() => undefined);
    const v = await verifyModel(dir, cache, expected?.weightHash);
    checks.push({
      name: `model ${id}`,
      status: v.ok ? "ok" : "fail",
      detail: v.ok
        ? `weights ${v.weightHash.slice(0, 16)}…${expected ? " match the registry" : ""}`
        : v.problems.join("; "),
      fix: v.ok ? "" : `darkbloom models remove ${id} && darkbloom models download ${id}`,
    });
  }
  const failed = checks.filter((c) => c.status === "fail").length;
  out.result(
    { ok: failed === 0, checks },
    checks
      .map(
        (c) => `[${MARK[c.status]}] ${c.name}: ${c.detail}${c.fix ? `\n       fix: ${c.fix}` : ""}`,
      )
      .join("\n") + `\n${failed === 0 ? "all checks passed" : `${failed} check(s) failed`}`,
  );
  return failed === 0 ? EXIT.ok : EXIT.checkFailed;
}
