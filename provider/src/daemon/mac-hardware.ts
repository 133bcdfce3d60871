// Hardware facts on macOS from the tools Apple ships (sysctl, system_profiler, pmset, csrutil),
// parsed from their text output; the runner is injected so tests feed recorded outputs.
import { ThermalState } from "@darkbloom/proto";

/** Runs a command and returns its stdout, or undefined when it fails or is not allowed. */
export type CommandRunner = (command: string, args: readonly string[]) => string | undefined;

export interface MacFacts {
  chip: string;
  model: string;
  memoryBytes: number;
  performanceCores: number;
  efficiencyCores: number;
  gpuCores: number;
  /** Unified-memory bandwidth of the chip class (Apple's published figure), 0 when unknown. */
  bandwidthGbps: number;
  thermal: ThermalState;
  /** From `pmset -g therm`: 100 = not throttled. */
  cpuSpeedLimitPercent: number;
  sip: "enabled" | "disabled" | "custom" | "unknown";
}

/** Apple's published memory bandwidth per chip (GB/s); the binned Max parts have the lower one. */
const BANDWIDTH_GBPS: ReadonlyArray<[RegExp, number]> = [
  [/^Apple M1 Ultra/, 800],
  [/^Apple M1 Max/, 400],
  [/^Apple M1 Pro/, 200],
  [/^Apple M1\b/, 68],
  [/^Apple M2 Ultra/, 800],
  [/^Apple M2 Max/, 400],
  [/^Apple M2 Pro/, 200],
  [/^Apple M2\b/, 100],
  [/^Apple M3 Ultra/, 819],
  [/^Apple M3 Max/, 300],
  [/^Apple M3 Pro/, 150],
  [/^Apple M3\b/, 100],
  [/^Apple M4 Max/, 410],
  [/^Apple M4 Pro/, 273],
  [/^Apple M4\b/, 120],
];

export function bandwidthClassGbps(chip: string, gpuCores: number): number {
  // The full M3 Max (40 GPU cores) and M4 Max (40) have the wider bus.
  if (/^Apple M3 Max/.test(chip) && gpuCores >= 40) return 400;
  if (/^Apple M4 Max/.test(chip) && gpuCores >= 40) return 546;
  return BANDWIDTH_GBPS.find(([re]) => re.test(chip))?.[1] ?? 0;
}

/** `sysctl name…` prints `name: value` lines. */
export function parseSysctl(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf(": ");
    if (i > 0) values.set(line.slice(0, i).trim(), line.slice(i + 2).trim());
  }
  return values;
}

/** `system_profiler SPDisplaysDataType`: the GPU's chipset and core count. */
export function parseDisplays(text: string): { chipset: string; gpuCores: number } {
  const chipset = /^\s*Chipset Model:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? "";
  const cores = Number(/^\s*Total Number of Cores:\s*(\d+)$/m.exec(text)?.[1] ?? 0);
  return { chipset, gpuCores: cores };
}

/** `pmset -g therm`: CPU_Speed_Limit (percent) when recorded; the notes mean no throttling. */
export function parseTherm(text: string): { speedLimitPercent: number; thermal: ThermalState } {
  const limit = /CPU_Speed_Limit\s*=\s*(\d+)/.exec(text);
  const speedLimitPercent = limit ? Number(limit[1]) : 100;
  const thermal =
    speedLimitPercent >= 100
      ? ThermalState.NOMINAL
      : speedLimitPercent >= 80
        ? ThermalState.FAIR
        : speedLimitPercent >= 50
          ? ThermalState.SERIOUS
          : ThermalState.CRITICAL;
  return { speedLimitPercent, thermal };
}

/** `csrutil status`: enabled, disabled, or a custom configuration (partly disabled). */
export function parseCsrutil(text: string): MacFacts["sip"] {
  const status = /System Integrity Protection status:\s*([a-z]+)/.exec(text)?.[1];
  if (status === "enabled" || status === "disabled") return status;
  if (/Custom Configuration/.test(text)) return "custom";
  return "unknown";
}

export function macFacts(run: CommandRunner): MacFacts {
  const sysctl = parseSysctl(
    run("sysctl", [
      "hw.memsize",
      "hw.model",
      "machdep.cpu.brand_string",
      "hw.perflevel0.physicalcpu",
      "hw.perflevel1.physicalcpu",
    ]) ?? "",
  );
  const displays = parseDisplays(run("system_profiler", ["SPDisplaysDataType"]) ?? "");
  const therm = parseTherm(run("pmset", ["-g", "therm"]) ?? "");
  const chip = sysctl.get("machdep.cpu.brand_string") || displays.chipset;
  return {
    chip,
    model: sysctl.get("hw.model") ?? "",
    memoryBytes: Number(sysctl.get("hw.memsize") ?? 0),
    performanceCores: Number(sysctl.get("hw.perflevel0.physicalcpu") ?? 0),
    efficiencyCores: Number(sysctl.get("hw.perflevel1.physicalcpu") ?? 0),
    gpuCores: displays.gpuCores,
    bandwidthGbps: bandwidthClassGbps(chip, displays.gpuCores),
    thermal: therm.thermal,
    cpuSpeedLimitPercent: therm.speedLimitPercent,
    sip: parseCsrutil(run("csrutil", ["status"]) ?? ""),
  };
}
