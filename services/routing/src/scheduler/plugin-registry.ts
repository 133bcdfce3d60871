import { minTrust } from "./filters/min-trust.js";
import { modelLoaded } from "./filters/model-loaded.js";
import { quantization } from "./filters/quantization.js";
import { routable } from "./filters/routable.js";
import { servesModel } from "./filters/serves-model.js";
import { slotHealthy } from "./filters/slot-healthy.js";
import { templateOk } from "./filters/template-ok.js";
import { tokenBudget } from "./filters/token-budget.js";
import { leastLoaded } from "./pickers/least-loaded.js";
import { lowestTtft } from "./pickers/lowest-ttft.js";
import { randomPicker } from "./pickers/random.js";
import { roundRobin } from "./pickers/round-robin.js";
import { coldSlot } from "./scorers/cold-slot.js";
import { cpuLoad } from "./scorers/cpu-load.js";
import { memoryPressure } from "./scorers/memory-pressure.js";
import { prefillTime } from "./scorers/prefill-time.js";
import { prefixAffinity } from "./scorers/prefix-affinity.js";
import { queueWait } from "./scorers/queue-wait.js";
import { thermal } from "./scorers/thermal.js";
import type { Filter, Picker, Scorer } from "./types.js";

/** Every plugin by its type name; profiles refer to plugins only through these names. */
export const FILTERS: Readonly<Record<string, Filter>> = {
  "serves-model": servesModel,
  "template-ok": templateOk,
  "min-trust": minTrust,
  routable,
  quantization,
  "slot-healthy": slotHealthy,
  "model-loaded": modelLoaded,
  "token-budget": tokenBudget,
};

export const SCORERS: Readonly<Record<string, Scorer>> = {
  "queue-wait": queueWait,
  "prefill-time": prefillTime,
  "cold-slot": coldSlot,
  "memory-pressure": memoryPressure,
  thermal,
  "cpu-load": cpuLoad,
  "prefix-affinity": prefixAffinity,
};

/** Pickers are factories: some (round-robin) keep state per scheduler. */
export const PICKERS: Readonly<Record<string, () => Picker>> = {
  "lowest-ttft": () => lowestTtft,
  "least-loaded": () => leastLoaded,
  random: () => randomPicker,
  "round-robin": roundRobin,
};
