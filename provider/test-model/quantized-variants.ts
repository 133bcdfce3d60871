// The quantized test models, made by quantize.ts from generated float models.
// MLX's 4-bit quantize needs rows of at least 256 inputs, so the q4 variant comes from a wider
// float model (`tiny-llama-wide`); 8-bit accepts 128, so q8 quantizes `tiny-llama` itself.
import { join } from "node:path";
import { DEFAULT_OUT_DIR, generateTestModel, OUT_ROOT } from "./float-model.js";
import { quantizeModelDir, type QuantizeSettings } from "./quantize.js";

export const WIDE_SHAPE = { hidden: 256, layers: 2, heads: 4, kvHeads: 2, intermediate: 512 };

export type QuantizedVariantId = "tiny-llama-q8" | "tiny-llama-q4";

export const QUANTIZED_VARIANTS: Record<
  QuantizedVariantId,
  { source: () => string; settings: QuantizeSettings }
> = {
  "tiny-llama-q8": {
    source: () => generateTestModel(DEFAULT_OUT_DIR),
    settings: { groupSize: 64, bits: 8 },
  },
  "tiny-llama-q4": {
    source: () => generateTestModel(join(OUT_ROOT, "tiny-llama-wide"), WIDE_SHAPE),
    settings: { groupSize: 64, bits: 4 },
  },
};

/** Generates (if needed) one quantized variant under outRoot; returns its directory. */
export function quantizedTestModelDir(id: QuantizedVariantId, outRoot: string = OUT_ROOT): string {
  const v = QUANTIZED_VARIANTS[id];
  return quantizeModelDir(v.source(), join(outRoot, id), v.settings);
}

export function generateQuantizedVariants(outRoot: string = OUT_ROOT): string[] {
  return (Object.keys(QUANTIZED_VARIANTS) as QuantizedVariantId[]).map((id) =>
    quantizedTestModelDir(id, outRoot),
  );
}
