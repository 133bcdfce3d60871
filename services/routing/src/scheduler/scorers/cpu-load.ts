import type { Scorer } from "../types.js";

/** Above 80% CPU the tokenizer and sampler compete with other work: up to 1 s at 100%. */
export const cpuLoad: Scorer = {
  name: "cpu-load",
  score: (_req, p) => (p.cpuUsage <= 0.8 ? 0 : ((p.cpuUsage - 0.8) / 0.2) * 1000),
  floor: (_model, p) => ({
    constMs: p.cpuUsage <= 0.8 ? 0 : ((p.cpuUsage - 0.8) / 0.2) * 1000,
    perPromptTokenMs: 0,
  }),
};
