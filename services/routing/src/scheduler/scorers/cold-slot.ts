import { SlotState } from "@darkbloom/proto";
import type { ProviderView, Scorer } from "../types.js";

/** Bytes per second a cold model is read into memory (SSD → unified memory), conservatively. */
export const LOAD_BYTES_PER_SECOND = 2e9;
export const COLD_START_FIXED_MS = 1000;

/**
 * A model not loaded yet costs its load time before the first token: a slot RELOADING, or one no
 * heartbeat has reported. Unloaded and on-disk-only models never get here: `model-loaded` filters
 * them (the provider would answer 404; the warm pool loads them instead).
 */
export const coldSlot: Scorer = {
  name: "cold-slot",
  score: (req, p) => coldStartMs(req.model, p),
  floor: (model, p) => ({ constMs: coldStartMs(model, p), perPromptTokenMs: 0 }),
};

function coldStartMs(model: string, p: ProviderView): number {
  const state = p.slots.get(model)?.state;
  if (state === SlotState.RUNNING || state === SlotState.IDLE) return 0;
  const bytes = p.models.get(model)?.sizeBytes ?? 0;
  return COLD_START_FIXED_MS + (bytes / LOAD_BYTES_PER_SECOND) * 1000;
}
