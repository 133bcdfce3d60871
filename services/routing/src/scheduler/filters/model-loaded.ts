import { SlotState } from "@darkbloom/proto";
import type { Filter } from "../types.js";

/**
 * Only a provider with the model loaded serves it: a slot reported IDLE_SHUTDOWN (unloaded, or on
 * disk only) or, before the first heartbeat, a model announced `on_disk_only` is skipped — the
 * provider would answer 404. A capacity rule, not eligibility: the warm pool may load the model
 * (LoadModel), so the request waits in the queue rather than failing at once.
 */
export const modelLoaded: Filter = {
  name: "model-loaded",
  kind: "capacity",
  reads: "class",
  accepts: (req, p) => {
    const slot = p.slots.get(req.model);
    if (slot) return slot.state !== SlotState.IDLE_SHUTDOWN;
    return p.models.get(req.model)?.onDiskOnly !== true;
  },
};
