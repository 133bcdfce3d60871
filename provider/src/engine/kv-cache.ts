// One sequence's keys and values per layer, grown by concatenation along the time axis.
// (Slice-assignment into a preallocated buffer copies the whole buffer per step in this
// MLX binding, which measured ~25x slower than concatenating.)
import { mx, type MxArray } from "./mlx.js";

interface LayerKv {
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

  arrays(): MxArray[] {
    return this.#layers.flatMap((l) => (l ? [l.keys, l.values] : []));
  }
}
