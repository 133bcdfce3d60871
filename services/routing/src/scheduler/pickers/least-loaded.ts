import type { Picker } from "../types.js";
import { shuffle } from "./shuffle.js";

/** Baseline: fewest requests in flight first, ties at random (the first production policy). */
export const leastLoaded: Picker = {
  name: "least-loaded",
  order: (_req, scored, random) =>
    shuffle(scored, random).sort((a, b) => a.provider.inFlight - b.provider.inFlight),
};
