import type { Scorer } from "../types.js";

/** Above 70% memory pressure the OS compresses and swaps: up to 3 s extra at 100%. */
export const memoryPressure: Scorer = {
  name: "memory-pressure",
  score: (_req, p) => (p.memoryPressure <= 0.7 ? 0 : ((p.memoryPressure - 0.7) / 0.3) * 3000),
  floor: (_model, p) => ({
    constMs: p.memoryPressure <= 0.7 ? 0 : ((p.memoryPressure - 0.7) / 0.3) * 3000,
    perPromptTokenMs: 0,
  }),
};
