// darkbloom_active_streams: consumer inference requests open on this replica, from arrival until
// the response closes (streamed or not, served here or forwarded to a peer's provider). Each
// replica exports its own; the operator's HorizontalPodAutoscaler targets its average per pod.
import type { ServerResponse } from "node:http";
import { Gauge, type Registry } from "@darkbloom/telemetry";

export interface ActiveStreams {
  /** Counts the response until it closes. */
  track(res: ServerResponse): void;
}

export function createActiveStreams(registry: Registry): ActiveStreams {
  const gauge = new Gauge({
    name: "darkbloom_active_streams",
    help: "Consumer inference requests open on this replica (streamed or not), until the response closes",
    registers: [registry],
  });
  return {
    track(res) {
      gauge.inc();
      res.once("close", () => gauge.dec());
    },
  };
}
