import type { Picker } from "../types.js";
import { shuffle } from "./shuffle.js";

/** Baseline: any admissible provider, uniformly. */
export const randomPicker: Picker = {
  name: "random",
  order: (_req, scored, random) => shuffle(scored, random),
};
