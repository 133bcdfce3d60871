import { Counter, Gauge, type Registry } from "@darkbloom/telemetry";

export interface GatewayMetrics {
  frames: FrameTally;
  badFrames: Counter<"reason">;
  orphanFrames: Counter;
  providerErrors: Counter<"category">;
  writeStalls: Counter;
  takeoverRefusals: Counter;
  providers: Gauge;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  return {
    frames: new FrameTally(registry),
    badFrames: new Counter({
      name: "darkbloom_provider_bad_frames_total",
      help: "Provider frames refused (malformed, too large, wrong direction)",
      labelNames: ["reason"],
      registers: [registry],
    }),
    orphanFrames: new Counter({
      name: "darkbloom_provider_orphan_frames_total",
      help: "Frames for requests the coordinator no longer tracks (late after cancel)",
      registers: [registry],
    }),
    providerErrors: new Counter({
      name: "darkbloom_provider_inference_errors_total",
      help: "Inference errors reported by providers, by the category the coordinator maps them to",
      labelNames: ["category"],
      registers: [registry],
    }),
    writeStalls: new Counter({
      name: "darkbloom_provider_write_stalls_total",
      help: "Provider sockets closed by the write watchdog",
      registers: [registry],
    }),
    takeoverRefusals: new Counter({
      name: "darkbloom_provider_takeover_refusals_total",
      help: "New sessions refused because the provider id has a live session that answers its probe",
      registers: [registry],
    }),
    providers: new Gauge({
      name: "darkbloom_providers_connected",
      help: "Registered provider sessions",
      registers: [registry],
    }),
  };
}

/**
 * darkbloom_provider_frames_total, by kind. Every relayed token is a frame: a labelled `inc` per
 * frame (a label hash, a validation and a result object each time) would be paid per token, so
 * frames are tallied in plain numbers and added to the counter when the registry is read.
 */
export class FrameTally {
  readonly #pending = new Map<string, number>();
  readonly #counter: Counter<"kind">;

  constructor(registry: Registry) {
    this.#counter = new Counter({
      name: "darkbloom_provider_frames_total",
      help: "Frames received from providers",
      labelNames: ["kind"],
      registers: [registry],
      collect: () => this.#flush(),
    });
  }

  count(kind: string): void {
    this.#pending.set(kind, (this.#pending.get(kind) ?? 0) + 1);
  }

  #flush(): void {
    for (const [kind, n] of this.#pending) this.#counter.inc({ kind }, n);
    this.#pending.clear();
  }
}
