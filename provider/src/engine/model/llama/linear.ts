// Dense or MLX-quantized projections and embeddings, built from a weight map by prefix.
import { EngineError } from "../../errors.js";
import type { WeightMap } from "../load-weights.js";
import { mx, type MxArray } from "../../mlx-backend/mlx.js";
import type { QuantizationConfig } from "../model-config.js";

export interface Linear {
  apply(x: MxArray): MxArray;
}

export interface Embedding {
  lookup(ids: MxArray): MxArray;
  /** The tied output projection (x @ E^T). */
  asLinear(): Linear;
}

export function requireWeight(weights: WeightMap, name: string): MxArray {
  const w = weights.get(name);
  if (!w) throw new EngineError("load_failed", `missing weight ${name}`);
  return w;
}

function quantParts(weights: WeightMap, prefix: string, q: QuantizationConfig | undefined) {
  const scales = weights.get(`${prefix}.scales`);
  if (!q || !scales) return undefined;
  return { scales, biases: requireWeight(weights, `${prefix}.biases`), ...q };
}

export function loadLinear(weights: WeightMap, prefix: string, q?: QuantizationConfig): Linear {
  const w = requireWeight(weights, `${prefix}.weight`);
  const bias = weights.get(`${prefix}.bias`);
  const quant = quantParts(weights, prefix, q);
  const withBias = (y: MxArray): MxArray => (bias ? mx.add(y, bias) : y);
  if (quant) {
    const { scales, biases, groupSize, bits } = quant;
    return {
      apply: (x) => withBias(mx.quantizedMatmul(x, w, scales, biases, true, groupSize, bits)),
    };
  }
  const wT = w.T;
  return { apply: (x) => withBias(mx.matmul(x, wT)) };
}

export function loadEmbedding(
  weights: WeightMap,
  prefix: string,
  q?: QuantizationConfig,
): Embedding {
  const w = requireWeight(weights, `${prefix}.weight`);
  const quant = quantParts(weights, prefix, q);
  if (quant) {
    const { scales, biases, groupSize, bits } = quant;
    return {
      lookup: (ids) =>
        mx.dequantize(
          mx.take(w, ids, 0),
          mx.take(scales, ids, 0),
          mx.take(biases, ids, 0),
          groupSize,
          bits,
        ),
      asLinear: () => ({
        apply: (x) => mx.quantizedMatmul(x, w, scales, biases, true, groupSize, bits),
      }),
    };
  }
  const wT = w.T;
  return {
    lookup: (ids) => mx.take(w, ids, 0),
    asLinear: () => ({ apply: (x) => mx.matmul(x, wT) }),
  };
}
