import os from "node:os";
import { create } from "@bufbuild/protobuf";
import {
  HardwareSchema,
  MemoryStatusSchema,
  type Hardware,
  type MemoryStatus,
} from "@darkbloom/proto";
import { GIB, memoryCapBytes } from "./memory-gate.js";

export function describeHardware(): Hardware {
  const cpus = os.cpus();
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
