import type { ProviderView, Scorer, ScoreFloor } from "../types.js";

/**
 * Work ahead of the request on that provider: every waiting (or just dispatched) request prefills
 * first, and every running sequence costs one decode step before our first token.
 */
export const queueWait: Scorer = {
  name: "queue-wait",
  score(req, p) {
    const slot = p.slots.get(req.model);
    const ahead = (slot?.waiting ?? 0) + p.unseenRequests(req.model);
    const running = slot?.running ?? 0;
    const prefillMs = (req.promptTokens / p.prefillTps(req.model)) * 1000;
    return ahead * prefillMs + (running * 1000) / p.decodeTps(req.model);
  },
  // The score is linear in prompt tokens: the floor is the same line.
  floor: queueWaitLine,
};

function queueWaitLine(model: string, p: ProviderView): ScoreFloor {
  const slot = p.slots.get(model);
  const ahead = (slot?.waiting ?? 0) + p.unseenRequests(model);
  const running = slot?.running ?? 0;
  return {
    constMs: (running * 1000) / p.decodeTps(model),
    perPromptTokenMs: (ahead * 1000) / p.prefillTps(model),
  };
}
