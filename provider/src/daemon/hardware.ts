import { spawnSync } from "node:child_process";
import os from "node:os";
import { create } from "@bufbuild/protobuf";
import {
  HardwareSchema,
  MemoryStatusSchema,
  ThermalState,
  type Hardware,
  type MemoryStatus,
} from "@darkbloom/proto";
import { macFacts, parseTherm, type CommandRunner, type MacFacts } from "./mac-hardware.js";
import { GIB, memoryCapBytes } from "./memory-gate.js";

const runCommand: CommandRunner = (command, args) => {
  const r = spawnSync(command, [...args], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout : undefined;
};

let mac: MacFacts | undefined;

/** The macOS facts, read once (system_profiler takes about a second). */
export function macHardware(run: CommandRunner = runCommand): MacFacts {
  mac ??= macFacts(run);
  return mac;
}

let therm: { atMs: number; state: ThermalState } | undefined;

/** macOS: `pmset -g therm` at most every 30 s; elsewhere nothing to read (nominal). */
export function thermalState(nowMs = Date.now(), run: CommandRunner = runCommand): ThermalState {
  if (process.platform !== "darwin") return ThermalState.NOMINAL;
  if (!therm || nowMs - therm.atMs > 30_000)
    therm = { atMs: nowMs, state: parseTherm(run("pmset", ["-g", "therm"]) ?? "").thermal };
  return therm.state;
}

export function describeHardware(): Hardware {
  const cpus = os.cpus();
  if (process.platform === "darwin") {
    const m = macHardware();
    return create(HardwareSchema, {
      chip: m.chip || (cpus[0]?.model.trim() ?? os.arch()),
      memoryGb: (m.memoryBytes || os.totalmem()) / GIB,
      bandwidthGbps: m.bandwidthGbps,
      performanceCores: m.performanceCores || cpus.length,
      efficiencyCores: m.efficiencyCores,
      gpuCores: m.gpuCores,
      os: `${os.platform()} ${os.release()}`,
    });
  }
  return create(HardwareSchema, {
    chip: cpus[0]?.model.trim() ?? os.arch(),
    memoryGb: os.totalmem() / GIB,
    performanceCores: cpus.length,
    os: `${os.platform()} ${os.release()}`,
  });
}

export function memoryStatus(peakRssBytes: number): MemoryStatus {
  const totalGb = os.totalmem() / GIB;
  const rssGb = process.memoryUsage.rss() / GIB;
  return create(MemoryStatusSchema, {
    activeGb: rssGb,
    peakGb: Math.max(peakRssBytes / GIB, rssGb),
    totalGb,
    freeForLoadGb: Math.max(
      0,
      memoryCapBytes({ totalBytes: os.totalmem(), capOverrideBytes: 0 }) / GIB - rssGb,
    ),
  });
}

/** Load average over the last minute as a fraction of the cores. */
export function cpuUsage(): number {
  return Math.min(1, (os.loadavg()[0] ?? 0) / Math.max(1, os.cpus().length));
}
