// Reads *.safetensors (single file or sharded via model.safetensors.index.json) into MLX arrays.
// Half-precision weights are upcast to float32 because the CPU backend's matmul is float32-only.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EngineError } from "../errors.js";
import { mx, type MxArray } from "../mlx-backend/mlx.js";

export type WeightMap = Map<string, MxArray>;

function shardFiles(dir: string): string[] {
  const index = join(dir, "model.safetensors.index.json");
  if (existsSync(index)) {
    const json = JSON.parse(readFileSync(index, "utf8")) as { weight_map: Record<string, string> };
    return [...new Set(Object.values(json.weight_map))].sort().map((f) => join(dir, f));
  }
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".safetensors"))
    .sort();
  if (files.length === 0) throw new EngineError("load_failed", `no *.safetensors in ${dir}`);
  return files.map((f) => join(dir, f));
}

export function loadWeights(dir: string): WeightMap {
  const weights: WeightMap = new Map();
  for (const file of shardFiles(dir)) {
    let loaded: Record<string, MxArray>;
    try {
      loaded = mx.load(file) as Record<string, MxArray>;
    } catch (cause) {
      throw new EngineError("load_failed", `cannot read ${file}`, { cause });
    }
    for (const [name, arr] of Object.entries(loaded)) {
      const upcast = arr.dtype === mx.float16 || arr.dtype === mx.bfloat16;
      weights.set(name, upcast ? arr.astype(mx.float32) : arr);
    }
  }
  mx.eval(...weights.values());
  return weights;
}
