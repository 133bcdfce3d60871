import { Counter, Gauge, type Registry } from "@darkbloom/telemetry";

/** Where a connection was cut by a timeout (the `phase` label). */
export type TimeoutPhase = "first_byte" | "http1_request" | "http2_idle" | "http2_request";

export interface ConnectionMetrics {
  refused: Counter<"reason">;
  timedOut: Counter<"phase">;
  unauthenticated: Gauge;
}

export function createConnectionMetrics(registry: Registry): ConnectionMetrics {
  return {
    refused: new Counter({
      name: "darkbloom_connections_refused_total",
      help: "Connections refused on accept (reason=per_address_cap: too many unauthenticated ones)",
      labelNames: ["reason"],
      registers: [registry],
    }),
    timedOut: new Counter({
      name: "darkbloom_connections_timed_out_total",
      help: "Connections or HTTP/2 streams closed because a phase before a complete request took too long",
      labelNames: ["phase"],
      registers: [registry],
    }),
    unauthenticated: new Gauge({
      name: "darkbloom_unauthenticated_connections",
      help: "Open connections that have not authenticated yet",
      registers: [registry],
    }),
  };
}
