// Turns a float model directory into an MLX-quantized one with MLX's own `quantize`: every 2-D
// `.weight` (projections, embeddings, lm_head) becomes packed uint32 `.weight` plus per-group
// `.scales` and `.biases`; norms stay float16; config.json gains `quantization`.
// Idempotent: a stamp of source weights + settings skips work when nothing changed.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { mx, type MxArray } from "../src/engine/mlx-backend/mlx.js";

export interface QuantizeSettings {
  groupSize: number;
  bits: 4 | 8;
}

const COPIED = ["tokenizer.json", "tokenizer_config.json"];

function quantizable(name: string, w: MxArray, groupSize: number): boolean {
  const inDim = w.shape[1] ?? 0;
  return name.endsWith(".weight") && w.ndim === 2 && inDim % groupSize === 0;
}

export function quantizeWeights(
  weights: Record<string, MxArray>,
  { groupSize, bits }: QuantizeSettings,
): Record<string, MxArray> {
  const out: Record<string, MxArray> = {};
  for (const [name, w] of Object.entries(weights)) {
    if (!quantizable(name, w, groupSize)) {
      out[name] = w.astype(mx.float16);
      continue;
    }
    const [packed, scales, biases] = mx.quantize(w.astype(mx.float32), groupSize, bits);
    const prefix = name.slice(0, -".weight".length);
    out[name] = packed;
    // Real MLX checkpoints of float16 models carry float16 scales and biases.
    out[`${prefix}.scales`] = scales.astype(mx.float16);
    out[`${prefix}.biases`] = biases.astype(mx.float16);
  }
  return out;
}

/** Writes the quantized copy of srcDir (single model.safetensors) into outDir; returns outDir. */
export function quantizeModelDir(srcDir: string, outDir: string, q: QuantizeSettings): string {
  const srcWeights = join(srcDir, "model.safetensors");
  const stamp = `${q.groupSize} ${q.bits} ${statSync(srcWeights).size} ${readFileSync(
    join(srcDir, ".weights-seed"),
    "utf8",
  ).trim()}\n`;
  const marker = join(outDir, ".quantized-from");
  mkdirSync(outDir, { recursive: true });
  for (const f of COPIED) copyFileSync(join(srcDir, f), join(outDir, f));
  const config = JSON.parse(readFileSync(join(srcDir, "config.json"), "utf8")) as object;
  const quantization = { group_size: q.groupSize, bits: q.bits };
  writeFileSync(
    join(outDir, "config.json"),
    `${JSON.stringify({ ...config, quantization }, null, 2)}\n`,
  );
  const outWeights = join(outDir, "model.safetensors");
  if (existsSync(outWeights) && existsSync(marker) && readFileSync(marker, "utf8") === stamp) {
    return outDir;
  }
  const loaded = mx.load(srcWeights) as Record<string, MxArray>;
  const quantized = quantizeWeights(loaded, q);
  mx.eval(...Object.values(quantized));
  mx.saveSafetensors(outWeights, quantized, { format: "mlx" });
  writeFileSync(marker, stamp);
  return outDir;
}
