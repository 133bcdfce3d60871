// Grouped-query self-attention with RoPE (qwen3: RMSNorm on each query / key head first).
// Projections run batched; the attention itself runs per sequence because each sequence has its
// own cache length (continuous batching).
import type { KvCache } from "../kv-cache.js";
import type { WeightMap } from "../load-weights.js";
import { mx, type MxArray } from "../mlx.js";
import type { LlamaConfig } from "../model-config.js";
import { type Linear, loadLinear, requireWeight } from "./linear.js";
import { applyRope } from "./rope.js";

export class Attention {
  readonly #q: Linear;
  readonly #k: Linear;
  readonly #v: Linear;
  readonly #o: Linear;
  readonly #cfg: LlamaConfig;
  readonly #scale: number;
  /** qwen3: per-head RMSNorm weights [headDim] for queries and keys. */
  readonly #qkNorm: { q: MxArray; k: MxArray } | undefined;

  constructor(weights: WeightMap, prefix: string, cfg: LlamaConfig) {
    const q = cfg.quantization;
    this.#q = loadLinear(weights, `${prefix}.q_proj`, q);
    this.#k = loadLinear(weights, `${prefix}.k_proj`, q);
    this.#v = loadLinear(weights, `${prefix}.v_proj`, q);
    this.#o = loadLinear(weights, `${prefix}.o_proj`, q);
    this.#cfg = cfg;
    this.#scale = 1 / Math.sqrt(cfg.headDim);
    this.#qkNorm = cfg.qkNorm
      ? {
          q: requireWeight(weights, `${prefix}.q_norm.weight`),
          k: requireWeight(weights, `${prefix}.k_norm.weight`),
        }
      : undefined;
  }

  /**
   * x: [B, L, hidden] where row b belongs to caches[b]. L > 1 only for a single-sequence
   * prefill, which gets a causal mask.
   */
  forward(x: MxArray, layer: number, caches: readonly KvCache[]): MxArray {
    const [batch = 1, len = 1] = x.shape;
    const { numHeads, numKvHeads, headDim } = this.#cfg;
    const heads = (y: MxArray, n: number): MxArray =>
      y.reshape(batch, len, n, headDim).transpose(0, 2, 1, 3);
    let q = heads(this.#q.apply(x), numHeads);
    let k = heads(this.#k.apply(x), numKvHeads);
    const norm = this.#qkNorm;
    if (norm) {
      // Over the last axis (head_dim), before RoPE.
      q = mx.fast.rmsNorm(q, norm.q, this.#cfg.rmsNormEps);
      k = mx.fast.rmsNorm(k, norm.k, this.#cfg.rmsNormEps);
    }
    const v = heads(this.#v.apply(x), numKvHeads);
    const qs = batch === 1 ? [q] : mx.split(q, batch, 0);
    const ks = batch === 1 ? [k] : mx.split(k, batch, 0);
    const vs = batch === 1 ? [v] : mx.split(v, batch, 0);
    // A prefill after a prefix-cache hit starts at cache.length > 0: its queries see all of it.
    const mask = len > 1 ? causalMask(len, caches[0]?.length ?? 0) : undefined;
    const outs = caches.map((cache, b) => {
      const rope = (t: MxArray): MxArray => applyRope(t, this.#cfg, cache.length);
      const qb = rope(qs[b] as MxArray);
      const kv = cache.append(layer, rope(ks[b] as MxArray), vs[b] as MxArray);
      return mx.fast.scaledDotProductAttention(qb, kv.keys, kv.values, this.#scale, mask);
    });
    const o = outs.length === 1 ? (outs[0] as MxArray) : mx.concatenate(outs, 0);
    return this.#o.apply(o.transpose(0, 2, 1, 3).reshape(batch, len, numHeads * headDim));
  }
}

/** Additive mask [len, offset + len] for a prefill whose first position is `offset`. */
function causalMask(len: number, offset: number): MxArray {
  const lower = mx.tri(len, offset + len, offset, mx.float32);
  return mx.multiply(mx.subtract(1, lower), -1e9);
}
