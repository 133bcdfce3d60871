import os from "node:os";
import { create } from "@bufbuild/protobuf";
import {
  HardwareSchema,
  MemoryStatusSchema,
  type Hardware,
  type MemoryStatus,
} from "@darkbloom/proto";

const GIB = 1024 ** 3;

export function describeHardware(): Hardware {
  const cpus = os.cpus();
  return create(HardwareSchema, {
    chip: cpus[0]?.model.trim() ?? os.arch(),
    memoryGb: os.totalmem() / GIB,
    performanceCores: cpus.length,
    os: `${os.platform()} ${os.release()}`,
  });
}

/** Memory cap is 0.9 × RAM but always leaves at least 2 GiB to the OS. */
export function memoryCapGb(totalGb: number): number {
  return Math.max(0, Math.min(totalGb * 0.9, totalGb - 2));
}

export function memoryStatus(peakRssBytes: number): MemoryStatus {
  const totalGb = os.totalmem() / GIB;
  const rssGb = process.memoryUsage.rss() / GIB;
  return create(MemoryStatusSchema, {
    activeGb: rssGb,
    peakGb: Math.max(peakRssBytes / GIB, rssGb),
    totalGb,
    freeForLoadGb: Math.max(0, memoryCapGb(totalGb) - rssGb),
  });
}

/** Load average over the last minute as a fraction of the cores. */
export function cpuUsage(): number {
  return Math.min(1, (os.loadavg()[0] ?? 0) / Math.max(1, os.cpus().length));
}
