import { Counter, Histogram, type Registry } from "@darkbloom/telemetry";
import type { PluginTimer } from "./scheduler/scheduler.js";

export interface RoutingMetrics {
  decisions: Counter<"outcome">;
  hedges: Counter;
  redispatches: Counter;
  alternateSupplyMisses: Counter;
  usageDisputes: Counter<"figure">;
  pluginTimer: PluginTimer;
}

export function createRoutingMetrics(registry: Registry): RoutingMetrics {
  const plugin = new Histogram({
    name: "darkbloom_routing_plugin_seconds",
    help: "Time per scheduler plugin per decision",
    labelNames: ["plugin"],
    buckets: [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1],
    registers: [registry],
  });
  return {
    decisions: new Counter({
      name: "darkbloom_routing_decisions_total",
      help: "Reserve outcomes: routed, queued, rejected (429), unroutable",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    hedges: new Counter({
      name: "darkbloom_routing_hedges_total",
      help: "Second copies sent because the first token was late",
      registers: [registry],
    }),
    redispatches: new Counter({
      name: "darkbloom_routing_redispatches_total",
      help: "Requests moved to another provider before their first token",
      registers: [registry],
    }),
    alternateSupplyMisses: new Counter({
      name: "darkbloom_routing_alternate_supply_missed_total",
      help: "Alternates skipped because their caller did not supply the body sealed to them in time",
      registers: [registry],
    }),
    usageDisputes: new Counter({
      name: "darkbloom_usage_disputes_total",
      help: "Provider usage reports above what the relay metered (prompt or completion); the metered figure is billed",
      labelNames: ["figure"],
      registers: [registry],
    }),
    pluginTimer: { observe: (name, ms) => plugin.observe({ plugin: name }, ms / 1000) },
  };
}
