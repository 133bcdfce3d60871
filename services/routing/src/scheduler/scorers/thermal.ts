import { ThermalState } from "@darkbloom/proto";
import type { Scorer } from "../types.js";

const THERMAL_MS: Readonly<Record<ThermalState, number>> = {
  [ThermalState.UNSPECIFIED]: 0,
  [ThermalState.NOMINAL]: 0,
  [ThermalState.FAIR]: 0,
  [ThermalState.SERIOUS]: 1500,
  [ThermalState.CRITICAL]: 10_000,
};

/** A throttling machine runs slower: serious costs 1.5 s, critical 10 s. */
export const thermal: Scorer = {
  name: "thermal",
  score: (_req, p) => THERMAL_MS[p.thermal],
  floor: (_model, p) => ({ constMs: THERMAL_MS[p.thermal], perPromptTokenMs: 0 }),
};
