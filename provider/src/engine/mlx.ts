// The one place the MLX binding is loaded; everything else uses these names. Loaded via require so
// TypeScript never resolves the package (its typings pull in sources that fail our strict tsc).
import { createRequire } from "node:module";
import type { MlxCore } from "./mlx-binding.js";

const binding = createRequire(import.meta.url)("@frost-beta/mlx") as { core: MlxCore };

export const mx: MlxCore = binding.core;
export type { MxArray } from "./mlx-binding.js";
