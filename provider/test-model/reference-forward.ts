// An independent plain-Float32Array Llama forward pass (no MLX), for checking the engine's logits.
// Prefill only: recomputes every position, so it is slow but obviously correct. For qwen3 (cfg.qkNorm)
// each query / key head is RMS-normalized with q_norm / k_norm before RoPE. RoPE frequencies come
// from `rope` (reference-rope.ts reads them from config.json) or default to theta^(-2i/d).
import type { LlamaConfig } from "../src/engine/model/model-config.js";
import type { ReferenceRope } from "./reference-rope.js";
import type { Tensor } from "./safetensors.js";

export type W = Map<string, Tensor>;

function mat(w: W, name: string): Tensor {
  const t = w.get(name);
  if (!t) throw new Error(`missing ${name}`);
  return t;
}

/** y = W x for W [out, in]. */
function matvec(t: Tensor, x: Float32Array): Float32Array {
  const [rows = 0, cols = 0] = t.shape;
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += (t.data[r * cols + c] ?? 0) * (x[c] ?? 0);
    y[r] = s;
  }
  return y;
}

function rmsNorm(x: Float32Array, w: Float32Array, eps: number): Float32Array {
  let ms = 0;
  for (const v of x) ms += v * v;
  const inv = 1 / Math.sqrt(ms / x.length + eps);
  return x.map((v, i) => v * inv * (w[i] ?? 0));
}

/** RMSNorm of each head (dim values) of v in place, with one weight [dim] shared by the heads. */
function headNorm(v: Float32Array, heads: number, dim: number, w: Float32Array, eps: number): void {
  for (let h = 0; h < heads; h++) {
    v.set(rmsNorm(v.subarray(h * dim, (h + 1) * dim), w, eps), h * dim);
  }
}

/** HF-style RoPE: rotate the two halves of each head by pos · invFreq[i], scaled by `factor`. */
function rope(v: Float32Array, heads: number, dim: number, pos: number, r: ReferenceRope): void {
  const half = dim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      const angle = pos * (r.invFreq[i] ?? 0);
      const cos = Math.cos(angle) * r.attentionFactor;
      const sin = Math.sin(angle) * r.attentionFactor;
      const a = v[h * dim + i] ?? 0;
      const b = v[h * dim + i + half] ?? 0;
      v[h * dim + i] = a * cos - b * sin;
      v[h * dim + i + half] = b * cos + a * sin;
    }
  }
}

function defaultRope(dim: number, theta: number): ReferenceRope {
  const invFreq = Array.from({ length: dim / 2 }, (_, i) => theta ** (-(2 * i) / dim));
  return { invFreq, attentionFactor: 1 };
}

export function referenceLogits(
  w: W,
  cfg: LlamaConfig,
  ids: number[],
  ropeFreq?: ReferenceRope,
): Float32Array {
  const { hiddenSize: H, numHeads, numKvHeads, headDim: D, rmsNormEps: eps, ropeTheta } = cfg;
  const r = ropeFreq ?? defaultRope(D, ropeTheta);
  const embed = mat(w, "model.embed_tokens.weight");
  let xs = ids.map((id) => embed.data.slice(id * H, (id + 1) * H));
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `model.layers.${l}`;
    const normed = xs.map((x) => rmsNorm(x, mat(w, `${p}.input_layernorm.weight`).data, eps));
    const qs = normed.map((x, pos) => {
      const q = matvec(mat(w, `${p}.self_attn.q_proj.weight`), x);
      if (cfg.qkNorm) headNorm(q, numHeads, D, mat(w, `${p}.self_attn.q_norm.weight`).data, eps);
      rope(q, numHeads, D, pos, r);
      return q;
    });
    const ks = normed.map((x, pos) => {
      const k = matvec(mat(w, `${p}.self_attn.k_proj.weight`), x);
      if (cfg.qkNorm) headNorm(k, numKvHeads, D, mat(w, `${p}.self_attn.k_norm.weight`).data, eps);
      rope(k, numKvHeads, D, pos, r);
      return k;
    });
    const vs = normed.map((x) => matvec(mat(w, `${p}.self_attn.v_proj.weight`), x));
    xs = xs.map((x, t) => {
      const attn = new Float32Array(numHeads * D);
      for (let h = 0; h < numHeads; h++) {
        const kvh = Math.floor(h / (numHeads / numKvHeads));
        const scores = Array.from({ length: t + 1 }, (_, s) => {
          let dot = 0;
          for (let d = 0; d < D; d++)
            dot += (qs[t]?.[h * D + d] ?? 0) * (ks[s]?.[kvh * D + d] ?? 0);
          return dot / Math.sqrt(D);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const sum = e.reduce((a, b) => a + b, 0);
        e.forEach((p_, s) => {
          for (let d = 0; d < D; d++)
            attn[h * D + d] = (attn[h * D + d] ?? 0) + (p_ / sum) * (vs[s]?.[kvh * D + d] ?? 0);
        });
      }
      const o = matvec(mat(w, `${p}.self_attn.o_proj.weight`), attn);
      const h1 = x.map((v, i) => v + (o[i] ?? 0));
      const n2 = rmsNorm(h1, mat(w, `${p}.post_attention_layernorm.weight`).data, eps);
      const g = matvec(mat(w, `${p}.mlp.gate_proj.weight`), n2);
      const u = matvec(mat(w, `${p}.mlp.up_proj.weight`), n2);
      const act = g.map((gv, i) => (gv / (1 + Math.exp(-gv))) * (u[i] ?? 0));
      const down = matvec(mat(w, `${p}.mlp.down_proj.weight`), act);
      return h1.map((v, i) => v + (down[i] ?? 0));
    });
  }
  const last = rmsNorm(xs.at(-1) as Float32Array, mat(w, "model.norm.weight").data, eps);
  return matvec(w.has("lm_head.weight") ? mat(w, "lm_head.weight") : embed, last);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}
