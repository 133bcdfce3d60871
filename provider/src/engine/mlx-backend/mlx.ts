// The one place the MLX binding is loaded; everything else uses these names. Loaded via require so
// TypeScript never resolves the package (its typings pull in sources that fail our strict tsc).
// Loaded on first use, so a machine without LAPACK/OpenBLAS gets one sentence from the command that
// needed MLX (the CLI prints it), not a dlopen stack trace at import time.
import { createRequire } from "node:module";
import type { MlxCore } from "./mlx-binding.js";
import { missingLibrary, systemLibrariesSentence } from "./system-libraries.js";

let core: MlxCore | undefined;
let binaryPath: string | undefined;

/**
 * Loads MLX from this native binary instead of the package's own (the Metal build fetched into
 * the data dir, mlx-backend/); call before the first use. MLX finds mlx.metallib beside it.
 */
export function useMlxBinary(file: string): void {
  if (core && binaryPath !== file) throw new Error("MLX is already loaded from another binary");
  binaryPath = file;
}

/** The binary useMlxBinary chose, if any (an engine thread loads the same one). */
export function mlxBinaryPath(): string | undefined {
  return binaryPath;
}

function load(): MlxCore {
  if (core) return core;
  try {
    const require = createRequire(import.meta.url);
    if (binaryPath) {
      // What @frost-beta/mlx's lib/index.js does around its own build/Release/mlx.node.
      const native = require(binaryPath) as MlxCore & { Complex?: unknown };
      native.Complex = (re: number, im?: number) => ({ re, im: im ?? 0 });
      core = native;
    } else core = (require("@frost-beta/mlx") as { core: MlxCore }).core;
    return core;
  } catch (err) {
    const missing = missingLibrary(err instanceof Error ? err.message : String(err));
    if (missing === undefined) throw err;
    throw new Error(systemLibrariesSentence(missing), { cause: err });
  }
}

export const mx: MlxCore = new Proxy({} as MlxCore, {
  get: (_target, name) => Reflect.get(load(), name) as unknown,
});
export type { MxArray } from "./mlx-binding.js";
