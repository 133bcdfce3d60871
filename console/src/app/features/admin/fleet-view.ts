// The fleet table's rows: one per provider, flattened from ListProviders for display, filtering
// and sorting (pure functions; the pages and their tests share them).
import type { ProviderSummary } from "../../../gen/darkbloom/v1/routing_pb";
import { SlotState, ThermalState } from "../../../gen/darkbloom/v1/provider_pb";
import { TrustLevel } from "../../../gen/darkbloom/v1/common_pb";

export interface FleetRow {
  id: string;
  trust: TrustLevel;
  trustLabel: string;
  version: string;
  chip: string;
  models: string[];
  /** Slots with the model loaded (running or idle). */
  loadedSlots: number;
  running: number;
  waiting: number;
  /** Best decode speed: measured by the relay, else the provider's own benchmark; 0 = unknown. */
  decodeTps: number;
  memoryActiveGb: number;
  memoryTotalGb: number;
  thermal: ThermalState;
  thermalLabel: string;
  inFlight: number;
  lastHeartbeatMs: number;
  replica: string;
}

export const TRUST_LABELS: Record<TrustLevel, string> = {
  [TrustLevel.UNSPECIFIED]: "Unknown",
  [TrustLevel.NONE]: "None",
  [TrustLevel.SOFTWARE]: "Software",
  [TrustLevel.HARDWARE]: "Hardware",
  [TrustLevel.HARDWARE_MDA]: "Hardware + MDM",
};

export const THERMAL_LABELS: Record<ThermalState, string> = {
  [ThermalState.UNSPECIFIED]: "Unknown",
  [ThermalState.NOMINAL]: "Nominal",
  [ThermalState.FAIR]: "Fair",
  [ThermalState.SERIOUS]: "Serious",
  [ThermalState.CRITICAL]: "Critical",
};

export const SLOT_LABELS: Record<SlotState, string> = {
  [SlotState.UNSPECIFIED]: "Unknown",
  [SlotState.RUNNING]: "Running",
  [SlotState.IDLE]: "Idle",
  [SlotState.CRASHED]: "Crashed",
  [SlotState.RELOADING]: "Reloading",
  [SlotState.IDLE_SHUTDOWN]: "On disk",
};

const loaded = (s: SlotState): boolean => s === SlotState.RUNNING || s === SlotState.IDLE;

export function fleetRow(p: ProviderSummary): FleetRow {
  const slots = p.heartbeat?.slots ?? [];
  const measured = p.measured.map((m) => m.decodeTokensPerSecond).filter((v) => v > 0);
  const benchmarked = p.benchmarks.map((b) => b.decodeTokensPerSecond).filter((v) => v > 0);
  const speeds = measured.length > 0 ? measured : benchmarked;
  const thermal = p.heartbeat?.thermal ?? ThermalState.UNSPECIFIED;
  return {
    id: p.providerId,
    trust: p.trustLevel,
    trustLabel: TRUST_LABELS[p.trustLevel] ?? "Unknown",
    version: p.version,
    chip: p.hardware?.chip ?? "",
    models: p.modelIds,
    loadedSlots: slots.filter((s) => loaded(s.state)).length,
    running: slots.reduce((n, s) => n + s.running, 0),
    waiting: slots.reduce((n, s) => n + s.waiting, 0),
    decodeTps: speeds.length > 0 ? Math.max(...speeds) : 0,
    memoryActiveGb: p.heartbeat?.memory?.activeGb ?? 0,
    memoryTotalGb: p.heartbeat?.memory?.totalGb || p.hardware?.memoryGb || 0,
    thermal,
    thermalLabel: THERMAL_LABELS[thermal] ?? "Unknown",
    inFlight: p.inFlight,
    lastHeartbeatMs: Number(p.lastHeartbeatMs),
    replica: p.ownerReplicaId || "local",
  };
}

export interface FleetFilter {
  /** Matched against id, version, chip and model ids (case-insensitive). */
  text: string;
  /** Minimum trust (UNSPECIFIED = any). */
  minTrust: TrustLevel;
  /** Only providers at least this hot (UNSPECIFIED = any). */
  minThermal: ThermalState;
}

export function filterFleet(rows: readonly FleetRow[], f: FleetFilter): FleetRow[] {
  const text = f.text.trim().toLowerCase();
  return rows.filter(
    (r) =>
      r.trust >= f.minTrust &&
      r.thermal >= f.minThermal &&
      (text === "" ||
        [r.id, r.version, r.chip, ...r.models].some((v) => v.toLowerCase().includes(text))),
  );
}

export type FleetSortKey =
  "id" | "trust" | "version" | "running" | "decodeTps" | "memoryActiveGb" | "thermal";

export function sortFleet(
  rows: readonly FleetRow[],
  key: FleetSortKey,
  descending: boolean,
): FleetRow[] {
  const dir = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    const c =
      typeof x === "string" && typeof y === "string"
        ? x.localeCompare(y, "en", { numeric: true })
        : Number(x) - Number(y);
    return c === 0 ? a.id.localeCompare(b.id) : c * dir;
  });
}
