// Grouped-query self-attention with RoPE (qwen3: RMSNorm on each query / key head first).
// Projections run batched; RoPE runs per sequence (each has its own offset). Sequences seated
// together in a KvBatch (the batcher's decode step) write their new keys/values with one slice
// update and share one attention over the batch's [B, kvHeads, capacity, headDim] buffers, a
// mask hiding each row's unused columns; any other cache (a prefill) uses its own buffers.
import type { KvCache, KvRows, LayerKv } from "../../batching/kv-cache.js";
import type { WeightMap } from "../load-weights.js";
import { mx, type MxArray } from "../../mlx-backend/mlx.js";
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
    const rope = (t: MxArray, b: number): MxArray =>
      applyRope(t, this.#cfg, (caches[b] as KvCache).length);
    const store = len === 1 ? seatedTogether(caches) : undefined;
    let o: MxArray;
    if (store) {
      store.writeColumn(layer, cat(ks.map(rope)), v);
      const column = store.column;
      const visible = caches.map((_, b) => [store.pad(b), column + 1] as const);
      o = this.#attend(
        cat(qs.map(rope)),
        store.layer(layer),
        paddingMask(visible, store, this.#grouped),
      );
    } else {
      const vs = batch === 1 ? [v] : mx.split(v, batch, 0);
      o = cat(
        caches.map((cache, b) => {
          const offset = cache.length;
          const kv = cache.append(layer, rope(ks[b] as MxArray, b), vs[b] as MxArray);
          const cap = kv.keys.shape[2] ?? 0;
          // A prefill after a prefix-cache hit starts at offset > 0: its queries see all of it.
          const mask =
            len > 1
              ? causalMask(len, offset, cap)
              : paddingMask([[0, offset + 1]], { capacity: cap }, this.#grouped);
          return this.#attend(rope(qs[b] as MxArray, b), kv, mask);
        }),
      );
    }
    return this.#o.apply(o.transpose(0, 2, 1, 3).reshape(batch, len, numHeads * headDim));
  }

  get #grouped(): boolean {
    return this.#cfg.numHeads > this.#cfg.numKvHeads;
  }

  #attend(q: MxArray, kv: LayerKv, mask: MxArray): MxArray {
    return mx.fast.scaledDotProductAttention(q, kv.keys, kv.values, this.#scale, mask);
  }
}

/** The KvBatch whose rows are, in order, exactly these caches. */
function seatedTogether(caches: readonly KvCache[]): KvRows | undefined {
  const store = caches[0]?.seat?.store;
  const all =
    store !== undefined &&
    store.rows === caches.length &&
    caches.every((c, i) => c.seat?.store === store && c.seat.row === i);
  return all ? store : undefined;
}

function cat(xs: MxArray[]): MxArray {
  return xs.length === 1 ? (xs[0] as MxArray) : mx.concatenate(xs, 0);
}

/** Additive mask [len, cap] for a prefill whose first position is `offset`: causal, and hides
 *  the unused buffer positions (>= offset + len) as well. */
function causalMask(len: number, offset: number, cap: number): MxArray {
  const lower = mx.tri(len, cap, offset, mx.float32);
  return mx.multiply(mx.subtract(1, lower), -1e9);
}

/**
 * Additive mask: 0 on row b's columns [from, to), -inf elsewhere. [B, 1, 1, cap]; with grouped
 * queries [B, 1, 1, 1, cap], because this MLX's attention adds the mask to scores shaped
 * [B, kvHeads, headsPerKvHead, L, cap].
 */
function paddingMask(
  visible: readonly (readonly [number, number])[],
  buffers: { capacity: number },
  grouped: boolean,
): MxArray {
  const cap = buffers.capacity;
  // Every layer of a decode step asks for the same mask: build it once per step.
  const key = `${grouped}:${cap}:${visible.join(";")}`;
  if (lastMask?.key === key) return lastMask.mask;
  const rows = visible.map(([from, to]) =>
    Array.from({ length: cap }, (_, j) => (j >= from && j < to ? 0 : -Infinity)),
  );
  const mask = mx.array(grouped ? rows.map((r) => [[[r]]]) : rows.map((r) => [[r]]), mx.float32);
  lastMask = { key, mask };
  return mask;
}

let lastMask: { key: string; mask: MxArray } | undefined;
