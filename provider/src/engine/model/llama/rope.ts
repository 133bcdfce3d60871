// Rotary position embedding (HF "rotate half" layout) for every supported rope_scaling type.
// default / linear run MLX's fused kernel; llama3 and yarn change the frequency vector itself
// (which this MLX binding's `fast.rope` cannot take), so they rotate with cached cos / sin tables.
import { mx, type MxArray } from "../../mlx-backend/mlx.js";
import type { LlamaConfig, RopeScaling } from "../model-config.js";

export interface RopeFrequencies {
  /** One inverse frequency per rotated pair, [headDim / 2]. */
  invFreq: Float64Array;
  /** Multiplies cos and sin (yarn); 1 otherwise. */
  attentionFactor: number;
}

/** HF's `_compute_*_parameters` for the scaled types (positions untouched, frequencies changed). */
export function ropeFrequencies(
  headDim: number,
  theta: number,
  scaling: RopeScaling,
): RopeFrequencies {
  const half = headDim / 2;
  const base = Float64Array.from({ length: half }, (_, i) => theta ** (-(2 * i) / headDim));
  switch (scaling.type) {
    case "default":
      return { invFreq: base, attentionFactor: 1 };
    case "linear":
      return { invFreq: base.map((f) => f / scaling.factor), attentionFactor: 1 };
    case "llama3": {
      const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: ctx } = scaling;
      const invFreq = base.map((f) => {
        const wavelen = (2 * Math.PI) / f;
        if (wavelen < ctx / highFreqFactor) return f;
        if (wavelen > ctx / lowFreqFactor) return f / factor;
        const smooth = (ctx / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return (1 - smooth) * (f / factor) + smooth * f;
      });
      return { invFreq, attentionFactor: 1 };
    }
    case "yarn": {
      const { factor, betaFast, betaSlow, originalMaxPositionEmbeddings: ctx } = scaling;
      const correctionDim = (rotations: number): number =>
        (headDim * Math.log(ctx / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
      let low = correctionDim(betaFast);
      let high = correctionDim(betaSlow);
      if (scaling.truncate) {
        low = Math.floor(low);
        high = Math.ceil(high);
      }
      low = Math.max(low, 0);
      high = Math.min(high, headDim - 1);
      if (low === high) high += 0.001;
      const invFreq = base.map((f, i) => {
        const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
        const extrapolation = 1 - ramp;
        return (f / factor) * (1 - extrapolation) + f * extrapolation;
      });
      return { invFreq, attentionFactor: scaling.attentionFactor };
    }
  }
}

/** cos / sin [capacity, headDim / 2] for positions 0..capacity-1, grown by doubling. */
interface RopeTable {
  capacity: number;
  cos: MxArray;
  sin: MxArray;
}

const MIN_CAPACITY = 256;
const tables = new WeakMap<LlamaConfig, RopeTable>();
const frequencies = new WeakMap<LlamaConfig, RopeFrequencies>();

function table(cfg: LlamaConfig, positions: number): RopeTable {
  const cached = tables.get(cfg);
  if (cached && cached.capacity >= positions) return cached;
  let freq = frequencies.get(cfg);
  if (!freq) {
    freq = ropeFrequencies(cfg.headDim, cfg.ropeTheta, cfg.ropeScaling);
    frequencies.set(cfg, freq);
  }
  let capacity = Math.max(MIN_CAPACITY, cached?.capacity ?? 0);
  while (capacity < positions) capacity *= 2;
  const { invFreq, attentionFactor } = freq;
  const half = invFreq.length;
  const cos = new Array<number>(capacity * half);
  const sin = new Array<number>(capacity * half);
  for (let p = 0; p < capacity; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * (invFreq[i] ?? 0);
      cos[p * half + i] = Math.cos(angle) * attentionFactor;
      sin[p * half + i] = Math.sin(angle) * attentionFactor;
    }
  }
  const next = {
    capacity,
    cos: mx.array(cos, mx.float32).reshape(capacity, half),
    sin: mx.array(sin, mx.float32).reshape(capacity, half),
  };
  tables.set(cfg, next);
  return next;
}

/**
 * Rotates x [..., L, headDim] whose first position is `offset`: pair (i, i + headDim/2) turns by
 * position · invFreq[i] (HF's non-interleaved layout, MLX `traditional = false`).
 */
export function applyRope(x: MxArray, cfg: LlamaConfig, offset: number): MxArray {
  const { headDim, ropeTheta, ropeScale, ropeScaling } = cfg;
  if (ropeScaling.type === "default" || ropeScaling.type === "linear") {
    return mx.fast.rope(x, headDim, false, ropeTheta, ropeScale, offset);
  }
  const len = x.shape[x.ndim - 2] ?? 1;
  const half = headDim / 2;
  const t = table(cfg, offset + len);
  const cos = t.cos.index(mx.Slice(offset, offset + len));
  const sin = t.sin.index(mx.Slice(offset, offset + len));
  const x1 = x.index("...", mx.Slice(0, half));
  const x2 = x.index("...", mx.Slice(half, headDim));
  const rotated = mx.concatenate(
    [
      mx.subtract(mx.multiply(x1, cos), mx.multiply(x2, sin)),
      mx.add(mx.multiply(x2, cos), mx.multiply(x1, sin)),
    ],
    x.ndim - 1,
  );
  return rotated.dtype === x.dtype ? rotated : rotated.astype(x.dtype);
}
