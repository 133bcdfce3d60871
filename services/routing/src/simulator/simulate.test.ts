import { join } from "node:path";
import { expect } from "chai";
import { SIM_DATA_DIR } from "./data-dir.js";
import { loadFleet } from "./fleet.js";
import { summarize } from "./report.js";
import { DEFAULT_SIM_OPTIONS, simulate } from "./simulate.js";
import { loadTrace } from "./trace.js";

const data = SIM_DATA_DIR;
const fleet = loadFleet(join(data, "fleet.json"));
const run = (trace: string, policy: string) =>
  summarize(simulate(loadTrace(join(data, trace)), fleet, { ...DEFAULT_SIM_OPTIONS, policy }));

describe("routing simulator (shipped traces, production scheduler)", function () {
  this.timeout(30_000);

  it("ours beats least-loaded on TTFT p99 on the bursty trace", () => {
    expect(run("bursty.jsonl", "ours").ttftP99).to.be.lessThan(
      run("bursty.jsonl", "least-loaded").ttftP99,
    );
  });

  it("ours does not buy its bursty TTFT by refusing more: its 429 rate is not above least-loaded's", () => {
    expect(run("bursty.jsonl", "ours").rejectRate).to.be.at.most(
      run("bursty.jsonl", "least-loaded").rejectRate,
    );
  });

  it("the overload trace makes clients run out of patience (429s) under every policy", () => {
    for (const policy of ["least-loaded", "ours"])
      expect(run("overload.jsonl", policy).rejectRate).to.be.greaterThan(0);
  });

  it("ours beats least-loaded on mean TTFT on the shared-prefix trace", () => {
    expect(run("shared-prefix.jsonl", "ours").ttftMean).to.be.lessThan(
      run("shared-prefix.jsonl", "least-loaded").ttftMean,
    );
  });

  it("prefix affinity raises the prefix-cache hit rate on the shared-prefix trace", () => {
    const withAffinity = run("shared-prefix.jsonl", "ours");
    const without = run("shared-prefix.jsonl", "ours-without-prefix-affinity");
    expect(withAffinity.prefixHitRate).to.be.greaterThan(without.prefixHitRate);
  });

  it("is deterministic for a seed (the same trace and fleet give the same figures)", () => {
    expect(run("steady.jsonl", "random")).to.deep.equal(run("steady.jsonl", "random"));
  });
});
