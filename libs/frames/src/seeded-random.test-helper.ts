/** A deterministic generator (xorshift32) in [0, 1): the same varied messages on every run. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** Helpers drawing from one generator. */
export function draws(random: () => number): {
  int: (n: number) => number;
  pick: <T>(items: readonly T[]) => T;
  bytes: (max: number) => Uint8Array;
} {
  const int = (n: number): number => Math.floor(random() * n);
  return {
    int,
    pick: (items) => items[int(items.length)] as (typeof items)[number],
    bytes: (max) => Uint8Array.from({ length: int(max + 1) }, () => int(256)),
  };
}
