// The keys/values of the sequences decoding together, row b = the b-th sequence, in one
// [B, kvHeads, capacity, headDim] buffer per layer. Rows are aligned at their ends (row b's
// positions fill the columns [pad_b, column), pad_b = column - length_b), so one decode step
// writes every row's new position with a single in-place slice update at `column`, and one
// attention covers the whole batch with a mask hiding each row's pad and the unused tail.
// The rows are rebuilt (one copy) only when the set of sequences changes; capacity grows in
// steps of STEP_TOKENS like a single cache's.
import { type KvCache, type KvRows, type LayerKv, STEP_TOKENS } from "./kv-cache.js";
import { mx, type MxArray } from "../mlx-backend/mlx.js";

export class KvBatch implements KvRows {
  readonly #numLayers: number;
  #members: KvCache[] = [];
  #pads: number[] = [];
  #layers: LayerKv[] = [];

  constructor(numLayers: number) {
    this.#numLayers = numLayers;
  }

  get rows(): number {
    return this.#members.length;
  }

  get capacity(): number {
    return this.#layers[0]?.keys.shape[2] ?? 0;
  }

  get column(): number {
    const first = this.#members[0];
    return first ? first.length + (this.#pads[0] ?? 0) : 0;
  }

  pad(row: number): number {
    return this.#pads[row] ?? 0;
  }

  layer(layer: number): LayerKv {
    const l = this.#layers[layer];
    if (!l) throw new Error(`KvBatch has no layer ${layer}`);
    return l;
  }

  read(layer: number, row: number, start: number, end: number): LayerKv {
    const l = this.layer(layer);
    const pad = this.pad(row);
    const rows = mx.array([row], mx.int32);
    const at = mx.arange(pad + start, pad + end, 1, mx.int32);
    const cut = (a: MxArray): MxArray => mx.take(mx.take(a, rows, 0), at, 2);
    return { keys: cut(l.keys), values: cut(l.values) };
  }

  /** Makes the rows exactly `caches`, in this order; copies only when they changed. */
  seat(caches: readonly KvCache[]): void {
    const same =
      caches.length === this.#members.length && caches.every((c, i) => this.#members[i] === c);
    if (same) return;
    const column = Math.max(0, ...caches.map((c) => c.length));
    // Room for the next token, so the first decode step after this never grows.
    const capacity = Math.ceil((column + 1) / STEP_TOKENS) * STEP_TOKENS;
    const layers: LayerKv[] = [];
    for (let l = 0; l < this.#numLayers && caches.length > 0; l++) {
      const rows = caches.map((c) => this.#positions(c, l));
      if (rows.some((r) => r === undefined)) break;
      const place = (a: MxArray): MxArray => placeRow(a, column, capacity);
      layers.push({
        keys: concat((rows as LayerKv[]).map((r) => place(r.keys))),
        values: concat((rows as LayerKv[]).map((r) => place(r.values))),
      });
    }
    mx.eval(...layers.flatMap((l) => [l.keys, l.values]));
    for (const c of this.#members) if (c.seat?.store === this) c.unseat();
    this.#layers = layers;
    this.#members = [...caches];
    this.#pads = caches.map((c) => column - c.length);
    caches.forEach((c, row) => c.seatIn(this, row));
  }

  writeColumn(layer: number, keys: MxArray, values: MxArray): void {
    const column = this.column;
    if (column + 1 > this.capacity) {
      const capacity = this.capacity + STEP_TOKENS;
      const grow = (a: MxArray): MxArray => placeRow(a, a.shape[2] ?? 0, capacity);
      this.#layers = this.#layers.map((l) => ({ keys: grow(l.keys), values: grow(l.values) }));
    }
    const l = this.layer(layer);
    const span = [mx.Slice(), mx.Slice(), mx.Slice(column, column + 1)];
    l.keys.indexPut_(span, keys);
    l.values.indexPut_(span, values);
  }

  arrays(): MxArray[] {
    return this.#layers.flatMap((l) => [l.keys, l.values]);
  }

  /** A cache's stored positions [0, length) of a layer, [1, kvHeads, length, headDim]. */
  #positions(cache: KvCache, layer: number): LayerKv | undefined {
    const seat = cache.seat;
    if (seat?.store === this) return this.read(layer, seat.row, 0, cache.length);
    return cache.slice(layer, 0, cache.length);
  }
}

/** [B, H, T, D] placed to end at column `end` of a zero buffer of `capacity` columns (a copy). */
function placeRow(a: MxArray, end: number, capacity: number): MxArray {
  const [b = 1, h = 1, t = 0, d = 1] = a.shape;
  const zeros = (n: number): MxArray[] => (n > 0 ? [mx.zeros([b, h, n, d], a.dtype)] : []);
  const parts = [...zeros(end - t), a, ...zeros(capacity - end)];
  return parts.length === 1 ? a : mx.concatenate(parts, 2);
}

function concat(rows: MxArray[]): MxArray {
  return rows.length === 1 ? (rows[0] as MxArray) : mx.concatenate(rows, 0);
}
