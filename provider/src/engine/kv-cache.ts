// One sequence's keys and values per layer, grown by concatenation along the time axis.
// (Slice-assignment into a preallocated buffer copies the whole buffer per step in this
// MLX binding, which measured ~25x slower than concatenating.)
import { mx, type MxArray } from "./mlx.js";

export interface LayerKv {
  keys: MxArray;
  values: MxArray;
}

export class KvCache {
  readonly #layers: (LayerKv | undefined)[];
  /** Tokens already stored (the RoPE offset of the next token). */
  length = 0;

  constructor(numLayers: number) {
    this.#layers = new Array<LayerKv | undefined>(numLayers).fill(undefined);
  }

  /** Appends [1, kvHeads, T, headDim] keys/values for a layer and returns the full history. */
  append(layer: number, keys: MxArray, values: MxArray): LayerKv {
    const prev = this.#layers[layer];
    const next = prev
      ? {
          keys: mx.concatenate([prev.keys, keys], 2),
          values: mx.concatenate([prev.values, values], 2),
        }
      : { keys, values };
    this.#layers[layer] = next;
    return next;
  }

  /** Call once per forward pass after all layers appended `tokens` positions. */
  advance(tokens: number): void {
    this.length += tokens;
  }

  /** A cache that starts with positions already computed elsewhere (a prefix-cache hit). */
  static seeded(layers: readonly LayerKv[], length: number): KvCache {
    const cache = new KvCache(layers.length);
    layers.forEach((l, i) => (cache.#layers[i] = l));
    cache.length = length;
    return cache;
  }

  /** Keys and values of positions [start, end) of one layer, [1, kvHeads, end - start, headDim]. */
  slice(layer: number, start: number, end: number): LayerKv | undefined {
    const l = this.#layers[layer];
    if (!l) return undefined;
    const span = [mx.Slice(), mx.Slice(), mx.Slice(start, end)] as const;
    return { keys: l.keys.index(...span), values: l.values.index(...span) };
  }

  arrays(): MxArray[] {
    return this.#layers.flatMap((l) => (l ? [l.keys, l.values] : []));
  }
}
