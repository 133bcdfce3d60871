import { SlotState } from "@darkbloom/proto";
import type { Filter } from "../types.js";

/** A slot whose engine crashed takes no requests until a heartbeat reports it back. */
export const slotHealthy: Filter = {
  name: "slot-healthy",
  kind: "capacity",
  reads: "class",
  accepts: (req, p) => p.slots.get(req.model)?.state !== SlotState.CRASHED,
};
