// One sequence's keys and values per layer in buffers preallocated in steps of STEP_TOKENS
// positions: new positions are written with a slice update (in place: MLX donates the buffer when
// nothing else holds it), and the buffer is copied only when it grows by another step.
// Positions at or past `length` are zeros; attention reads the whole buffer and masks them.
// While a sequence decodes, its cache is seated in a row of a KvBatch (kv-batch.ts): the whole
// batch's keys/values then live in one [B, kvHeads, capacity, headDim] buffer per layer.
// Only the unused positions of an own buffer are zeros; a seated row's are masked.
// Never hand out views of a buffer (`index`): a live view shares its memory, so every later
// write would copy the whole buffer instead of updating it in place. Copies come from `take`.
import { mx, type MxArray } from "../mlx-backend/mlx.js";

export interface LayerKv {
  keys: MxArray;
  values: MxArray;
}

/** Positions added per growth; a buffer's capacity is always a multiple of this. */
export const STEP_TOKENS = 256;

/** Buffers shared by several caches, one row each: [rows, kvHeads, capacity, headDim]. */
export interface KvRows {
  readonly rows: number;
  readonly capacity: number;
  layer(layer: number): LayerKv;
  /** A copy of one row's sequence positions [start, end), [1, kvHeads, end - start, headDim]. */
  read(layer: number, row: number, start: number, end: number): LayerKv;
  /** The buffer column the next decode step writes, the same for every row. */
  readonly column: number;
  /** Unused columns before a row's first position (rows are aligned at their ends). */
  pad(row: number): number;
  /** Writes one new position of every row, [rows, kvHeads, 1, headDim], at `column`. */
  writeColumn(layer: number, keys: MxArray, values: MxArray): void;
}

export class KvCache {
  readonly #layers: (LayerKv | undefined)[];
  #seat: { store: KvRows; row: number } | undefined;
  /** Tokens already stored (the RoPE offset of the next token). */
  length = 0;

  constructor(numLayers: number) {
    this.#layers = new Array<LayerKv | undefined>(numLayers).fill(undefined);
  }

  /** Positions the buffers hold (used or not); 0 before the first append. */
  get capacity(): number {
    return this.#seat?.store.capacity ?? this.#layers[0]?.keys.shape[2] ?? 0;
  }

  /** The batch row holding this cache's keys/values, if it is seated. */
  get seat(): { store: KvRows; row: number } | undefined {
    return this.#seat;
  }

  /** Hands this cache's storage over to a row of `store` (which has copied it already). */
  seatIn(store: KvRows, row: number): void {
    this.#seat = { store, row };
    this.#layers.fill(undefined);
  }

  /** Leaves its batch row without a copy: for a cache whose sequence has ended. */
  unseat(): void {
    this.#seat = undefined;
  }

  /**
   * Writes [1, kvHeads, T, headDim] keys/values for a layer at positions [length, length + T)
   * and returns the layer's whole buffers, [1, kvHeads, capacity, headDim]. Not for a seated
   * cache: its batch writes all rows at once.
   */
  append(layer: number, keys: MxArray, values: MxArray): LayerKv {
    if (this.#seat) throw new Error("a seated KvCache is written through its batch");
    const tokens = keys.shape[2] ?? 0;
    const end = this.length + tokens;
    const l = grow(this.#layers[layer], keys, values, end);
    const span = [mx.Slice(), mx.Slice(), mx.Slice(this.length, end)];
    l.keys.indexPut_(span, keys);
    l.values.indexPut_(span, values);
    this.#layers[layer] = l;
    return l;
  }

  /** Call once per forward pass after all layers appended `tokens` positions. */
  advance(tokens: number): void {
    this.length += tokens;
  }

  /** A cache that starts with positions already computed elsewhere (a prefix-cache hit). */
  static seeded(layers: readonly LayerKv[], length: number): KvCache {
    const cache = new KvCache(layers.length);
    layers.forEach((l, i) => (cache.#layers[i] = grow(undefined, l.keys, l.values, length + 1, l)));
    cache.length = length;
    return cache;
  }

  /** A copy of positions [start, end) of one layer, [1, kvHeads, end - start, headDim]. */
  slice(layer: number, start: number, end: number): LayerKv | undefined {
    if (layer >= this.#layers.length) return undefined;
    if (this.#seat) return this.#seat.store.read(layer, this.#seat.row, start, end);
    const l = this.#layers[layer];
    if (!l) return undefined;
    const at = mx.arange(start, end, 1, mx.int32);
    return { keys: mx.take(l.keys, at, 2), values: mx.take(l.values, at, 2) };
  }

  /** Its own buffers (none while seated: the batch holds them). */
  arrays(): MxArray[] {
    return this.#layers.flatMap((l) => (l ? [l.keys, l.values] : []));
  }
}

/**
 * Buffers holding at least `positions`: `prev` when it is big enough, else `prev` (or `seed`,
 * a [1, kvHeads, T, headDim] prefix) followed by zeros up to the next multiple of STEP_TOKENS.
 */
function grow(
  prev: LayerKv | undefined,
  like: MxArray,
  likeValues: MxArray,
  positions: number,
  seed?: LayerKv,
): LayerKv {
  const have = prev?.keys.shape[2] ?? 0;
  if (prev && have >= positions) return prev;
  const from = prev ?? seed;
  const used = from?.keys.shape[2] ?? 0;
  const extra = Math.ceil(positions / STEP_TOKENS) * STEP_TOKENS - used;
  const zeros = (t: MxArray): MxArray => {
    const [b = 1, h = 1, , d = 1] = t.shape;
    return mx.zeros([b, h, extra, d], t.dtype);
  };
  if (!from) return { keys: zeros(like), values: zeros(likeValues) };
  return {
    keys: mx.concatenate([from.keys, zeros(from.keys)], 2),
    values: mx.concatenate([from.values, zeros(from.values)], 2),
  };
}
