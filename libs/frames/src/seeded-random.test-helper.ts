import { mulberry32 } from "@darkbloom/random";

/** A deterministic generator in [0, 1): the same varied messages on every run. */
export const seededRandom = mulberry32;

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
