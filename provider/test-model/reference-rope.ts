// RoPE inverse frequencies straight from a config.json's rope_scaling, written from Hugging Face's
// formulas (modeling_rope_utils.py) without the engine's code, for the reference forward pass.
export interface ReferenceRope {
  invFreq: number[];
  /** cos and sin are multiplied by it (yarn's mscale). */
  attentionFactor: number;
}

type Json = Record<string, unknown>;

const n = (v: unknown, fallback?: number): number => {
  if (typeof v === "number") return v;
  if (fallback === undefined) throw new Error("reference rope: missing number");
  return fallback;
};

export function referenceRope(config: Json): ReferenceRope {
  const theta = n(config["rope_theta"], 10000);
  const dim = n(config["head_dim"], n(config["hidden_size"]) / n(config["num_attention_heads"]));
  const invFreq: number[] = [];
  for (let j = 0; j < dim; j += 2) invFreq.push(1 / theta ** (j / dim));
  const s = (config["rope_scaling"] ?? null) as Json | null;
  const type = s ? (s["rope_type"] ?? s["type"]) : "default";
  if (s === null || type === "default") return { invFreq, attentionFactor: 1 };
  if (type === "linear")
    return { invFreq: invFreq.map((f) => f / n(s["factor"])), attentionFactor: 1 };
  if (type === "llama3") {
    // Meta's apply_scaling: keep short wavelengths, divide long ones by factor, blend between.
    const factor = n(s["factor"]);
    const lo = n(s["low_freq_factor"]);
    const hi = n(s["high_freq_factor"]);
    const old = n(s["original_max_position_embeddings"]);
    const out = invFreq.map((f) => {
      const wavelen = (2 * Math.PI) / f;
      if (wavelen < old / hi) return f;
      if (wavelen > old / lo) return f / factor;
      const smooth = (old / wavelen - lo) / (hi - lo);
      return (1 - smooth) * (f / factor) + smooth * f;
    });
    return { invFreq: out, attentionFactor: 1 };
  }
  if (type === "yarn") {
    const maxPos = n(config["max_position_embeddings"]);
    const original = n(s["original_max_position_embeddings"], maxPos);
    const factor = n(s["factor"], maxPos / original);
    const betaFast = n(s["beta_fast"], 32);
    const betaSlow = n(s["beta_slow"], 1);
    // The dimension whose wavelength makes `rotations` turns over the original context.
    const dimFor = (rotations: number): number =>
      (dim * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
    const low = Math.max(Math.floor(dimFor(betaFast)), 0);
    let high = Math.min(Math.ceil(dimFor(betaSlow)), dim - 1);
    if (high === low) high += 0.001;
    const out = invFreq.map((f, i) => {
      // 0 below `low` (keep f), 1 above `high` (interpolate f / factor).
      const ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
      return f * (1 - ramp) + (f / factor) * ramp;
    });
    const explicit = s["attention_factor"];
    const attentionFactor = typeof explicit === "number" ? explicit : 0.1 * Math.log(factor) + 1;
    return {
      invFreq: out,
      attentionFactor: factor <= 1 && explicit === undefined ? 1 : attentionFactor,
    };
  }
  throw new Error(`reference rope: ${String(type)} not modelled`);
}
