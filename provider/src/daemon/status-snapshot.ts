import { TrustLevel } from "@darkbloom/proto";
import type { ConnectionState } from "./coordinator-connection.js";
import type { ModelEntry } from "./model-set.js";
import type { RunnerCounters } from "./inference-runner.js";

/** The JSON the daemon writes to `<home>/status.json` and `darkbloom status` reads. */
export interface DaemonSnapshot {
  state: "running" | "draining" | "stopped";
  connection: string;
  providerId: string;
  trust: { level: string; routable: boolean; reason: string } | null;
  models: Array<{
    id: string;
    state: "loaded" | "failed";
    error: string;
    templateOk: boolean;
    running: number;
    waiting: number;
    maxTokensPotential: number;
  }>;
  inFlight: number;
  counters: RunnerCounters;
}

export function daemonSnapshot(input: {
  state: DaemonSnapshot["state"];
  connection: ConnectionState;
  providerId: string;
  trust: { level: TrustLevel; routable: boolean; reason: string } | undefined;
  models: readonly ModelEntry[];
  counters: RunnerCounters;
  inFlight: number;
}): DaemonSnapshot {
  return {
    state: input.state,
    connection: input.connection.kind,
    providerId: input.providerId,
    trust: input.trust
      ? {
          level: TrustLevel[input.trust.level] ?? String(input.trust.level),
          routable: input.trust.routable,
          reason: input.trust.reason,
        }
      : null,
    models: input.models.map((m) => {
      if (m.state === "failed")
        return {
          id: m.id,
          state: m.state,
          error: m.error,
          templateOk: false,
          running: 0,
          waiting: 0,
          maxTokensPotential: 0,
        };
      const c = m.engine.capacity();
      return {
        id: m.id,
        state: m.state,
        error: m.info.templateError,
        templateOk: m.info.templateOk,
        running: c.running,
        waiting: c.waiting,
        maxTokensPotential: c.maxTokensPotential,
      };
    }),
    inFlight: input.inFlight,
    counters: { ...input.counters },
  };
}
