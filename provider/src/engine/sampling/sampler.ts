// Token choice: greedy at temperature 0, otherwise temperature + top-p with a seeded PRNG.

export interface SamplingOptions {
  temperature: number;
  topP: number;
  seed: bigint;
  /** Added to a token's logit before sampling; at or below BANNED_BIAS the token is never drawn. */
  logitBias?: ReadonlyMap<number, number>;
}

/** OpenAI documents -100 as a ban; it is made exact, so a banned token cannot win by chance. */
export const BANNED_BIAS = -100;

export function applyLogitBias(row: number[], bias: ReadonlyMap<number, number>): void {
  for (const [id, b] of bias) {
    if (id >= row.length) continue;
    row[id] = b <= BANNED_BIAS ? -Infinity : (row[id] ?? 0) + b;
  }
}

/** splitmix64: tiny, fast, and the same stream for the same 64-bit seed on every machine. */
export class SplitMix64 {
  #state: bigint;
  constructor(seed: bigint) {
    this.#state = BigInt.asUintN(64, seed);
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.#state = BigInt.asUintN(64, this.#state + 0x9e3779b97f4a7c15n);
    let z = this.#state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    z ^= z >> 31n;
    return Number(z >> 11n) / 2 ** 53;
  }
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] ?? 0) > (logits[best] ?? 0)) best = i;
  return best;
}

export function sampleToken(
  logits: ArrayLike<number>,
  opts: SamplingOptions,
  rng: SplitMix64,
): number {
  if (opts.temperature <= 0) return argmax(logits);
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i] ?? -Infinity);
  const probs = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    probs[i] = Math.exp(((logits[i] ?? -Infinity) - max) / opts.temperature);
    total += probs[i] ?? 0;
  }
  if (opts.topP >= 1) return drawInOrder(probs, total, rng);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (probs[b] ?? 0) - (probs[a] ?? 0) || a - b,
  );
  // Keep the smallest prefix whose mass reaches top_p (always at least one token).
  let kept = 0;
  let mass = 0;
  while (kept < n && (kept === 0 || mass < opts.topP * total)) {
    mass += probs[order[kept] ?? 0] ?? 0;
    kept++;
  }
  let r = rng.next() * mass;
  for (let k = 0; k < kept; k++) {
    const id = order[k] ?? 0;
    r -= probs[id] ?? 0;
    if (r < 0) return id;
  }
  return order[kept - 1] ?? 0;
}

function drawInOrder(probs: Float64Array, total: number, rng: SplitMix64): number {
  let r = rng.next() * total;
  for (let i = 0; i < probs.length; i++) {
    r -= probs[i] ?? 0;
    if (r < 0) return i;
  }
  return probs.length - 1;
}
