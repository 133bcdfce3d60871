import type { Scorer } from "../types.js";

/** The request's own prefill at the provider's (observed) speed: faster chips score lower. */
export const prefillTime: Scorer = {
  name: "prefill-time",
  score: (req, p) => (req.promptTokens / p.prefillTps(req.model)) * 1000,
  floor: (model, p) => ({ constMs: 0, perPromptTokenMs: 1000 / p.prefillTps(model) }),
};
