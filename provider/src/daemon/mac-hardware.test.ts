import { ThermalState } from "@darkbloom/proto";
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { checkMacHardware } from "../cli/doctor-mlx.js";
import { bandwidthClassGbps, macFacts, type CommandRunner } from "./mac-hardware.js";

/** Recorded outputs of Apple's tools (testing/mac-outputs), served by command line. */
const recorded =
  (files: Record<string, string>): CommandRunner =>
  (command) => {
    const file = files[command];
    return file === undefined
      ? undefined
      : readFileSync(new URL(`./testing/mac-outputs/${file}`, import.meta.url), "utf8");
  };

describe("mac hardware facts from recorded tool outputs", () => {
  it("a Mac mini M2 Pro: chip, cores, GPU cores, memory, bandwidth class, nominal thermal, SIP on", () => {
    const facts = macFacts(
      recorded({
        sysctl: "sysctl-m2-pro.txt",
        system_profiler: "system-profiler-displays-m2-pro.txt",
        pmset: "pmset-therm-nominal.txt",
        csrutil: "csrutil-enabled.txt",
      }),
    );
    expect(facts).to.deep.equal({
      chip: "Apple M2 Pro",
      model: "Mac14,12",
      memoryBytes: 32 * 1024 ** 3,
      performanceCores: 8,
      efficiencyCores: 4,
      gpuCores: 19,
      bandwidthGbps: 200,
      thermal: ThermalState.NOMINAL,
      cpuSpeedLimitPercent: 100,
      sip: "enabled",
    });
  });

  it("a throttled MacBook Pro M4 Max (40 GPU cores) with a custom SIP configuration", () => {
    const facts = macFacts(
      recorded({
        sysctl: "sysctl-m4-max.txt",
        system_profiler: "system-profiler-displays-m4-max.txt",
        pmset: "pmset-therm-throttled.txt",
        csrutil: "csrutil-custom.txt",
      }),
    );
    expect(facts).to.include({
      chip: "Apple M4 Max",
      memoryBytes: 128 * 1024 ** 3,
      gpuCores: 40,
      bandwidthGbps: 546,
      thermal: ThermalState.SERIOUS,
      cpuSpeedLimitPercent: 62,
      sip: "custom",
    });
  });

  it("reads SIP disabled, and tolerates tools that are missing or not allowed", () => {
    const facts = macFacts(recorded({ csrutil: "csrutil-disabled.txt" }));
    expect(facts).to.include({ sip: "disabled", chip: "", gpuCores: 0, bandwidthGbps: 0 });
    expect(facts.thermal).to.equal(ThermalState.NOMINAL);
    expect(macFacts(() => undefined).sip).to.equal("unknown");
  });

  it("bandwidth class: binned Max parts have the narrower bus", () => {
    expect(bandwidthClassGbps("Apple M3 Max", 30)).to.equal(300);
    expect(bandwidthClassGbps("Apple M3 Max", 40)).to.equal(400);
    expect(bandwidthClassGbps("Apple M1", 8)).to.equal(68);
    expect(bandwidthClassGbps("Intel(R) Core(TM) i9", 0)).to.equal(0);
  });

  it("doctor's mac hardware line: facts and thermal, a warning when SIP is not fully on", () => {
    const run = recorded({
      sysctl: "sysctl-m2-pro.txt",
      system_profiler: "system-profiler-displays-m2-pro.txt",
      pmset: "pmset-therm-nominal.txt",
      csrutil: "csrutil-enabled.txt",
    });
    const ok = checkMacHardware(macFacts(run));
    expect(ok).to.include({ status: "ok" });
    expect(ok.detail).to.equal(
      "Apple M2 Pro (Mac14,12), 19 GPU cores, 32 GiB, ~200 GB/s class, thermal nominal (CPU speed limit 100 %), SIP enabled",
    );
    const custom = checkMacHardware(
      macFacts(
        recorded({
          sysctl: "sysctl-m4-max.txt",
          pmset: "pmset-therm-throttled.txt",
          csrutil: "csrutil-custom.txt",
        }),
      ),
    );
    expect(custom).to.include({ status: "warn" });
    expect(custom.detail).to.match(/thermal serious \(CPU speed limit 62 %\), SIP custom$/);
  });
});
