import type { Picker } from "../types.js";

/** Baseline: admissible providers in id order, starting one further each decision. */
export function roundRobin(): Picker {
  let next = 0;
  return {
    name: "round-robin",
    order(_req, scored) {
      const sorted = [...scored].sort((a, b) => (a.provider.id < b.provider.id ? -1 : 1));
      if (sorted.length === 0) return sorted;
      const start = next++ % sorted.length;
      return [...sorted.slice(start), ...sorted.slice(0, start)];
    },
  };
}
