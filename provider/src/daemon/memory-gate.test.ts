import { expect } from "chai";
import {
  DEFAULT_GATE,
  GIB,
  checkLoad,
  idleModels,
  kvPoolBytes,
  memoryCapBytes,
} from "./memory-gate.js";

const gate = (totalGib: number, capOverrideBytes = 0) => ({
  ...DEFAULT_GATE,
  totalBytes: totalGib * GIB,
  capOverrideBytes,
});

describe("memory gate", () => {
  it("caps at 0.9 × RAM on a large machine", () => {
    expect(memoryCapBytes(gate(64))).to.equal(0.9 * 64 * GIB);
  });

  it("leaves at least 2 GiB to the OS on a small machine", () => {
    expect(memoryCapBytes(gate(16))).to.equal(14 * GIB);
  });

  it("lets an operator override the cap", () => {
    expect(memoryCapBytes(gate(16, 5 * GIB))).to.equal(5 * GIB);
  });

  it("admits a load when weights + prefix-cache budgets + 3 GiB activation + 1 GiB KV fit the cap", () => {
    // 4 resident + 5 incoming + 2 × 0.5 prefix caches + 3 + 1 = 14 GiB = the cap.
    expect(checkLoad(gate(16), 4 * GIB, 1, 5 * GIB).ok).to.equal(true);
  });

  it("refuses a load one byte over the cap, saying why", () => {
    const d = checkLoad(gate(16), 4 * GIB, 1, 5 * GIB + 1);
    expect(d.ok).to.equal(false);
    if (!d.ok) expect(d.reason).to.match(/1\.00 prefix caches .* cap is 14\.00 GiB/);
  });

  it("counts the prefix-cache budget of every loaded model and the new one, none when it is off", () => {
    const loaded = (n: number, prefixCacheBytes: number): boolean =>
      checkLoad({ ...gate(16), prefixCacheBytes }, 4 * GIB, n, 4 * GIB).ok;
    // 4 + 4 + 3 + 1 = 12 GiB before prefix caches: room for 2 GiB of them.
    expect(loaded(1, GIB)).to.equal(true);
    expect(loaded(2, GIB)).to.equal(false);
    expect(loaded(2, 0)).to.equal(true);
  });

  it("refuses a fourth model whatever the memory", () => {
    const d = checkLoad(gate(512), 0, 3, 1);
    expect(d.ok).to.equal(false);
    if (!d.ok) expect(d.reason).to.match(/at most 3/);
  });

  it("lists models idle for an hour, oldest first", () => {
    const hour = 3_600_000;
    const used = new Map([
      ["a", 0],
      ["b", 10 * hour - 1],
      ["c", 5 * hour],
    ]);
    expect(idleModels(used, 10 * hour, hour)).to.deep.equal(["a", "c"]);
  });
});

describe("memory gate: the batch buffer and the KV pool", () => {
  it("counts the KV floor (one full context per model at the batch-copy peak) when it beats 1 GiB", () => {
    // 4 resident + 5 incoming + 1 prefix + 3 activation = 13 GiB; a 1 GiB floor fits 14, 1.5 does not.
    expect(checkLoad(gate(16), 4 * GIB, 1, 5 * GIB, 1 * GIB).ok).to.equal(true);
    const d = checkLoad(gate(16), 4 * GIB, 1, 5 * GIB, 1.5 * GIB);
    expect(d.ok).to.equal(false);
    if (!d.ok) expect(d.reason).to.contain("+ 1.50 KV)");
  });

  it("leaves the KV pool what weights, prefix caches and the activation reserve do not use", () => {
    // cap 14 − 4 weights − 2 × 0.5 prefix − 3 activation = 6 GiB.
    expect(kvPoolBytes(gate(16), 4 * GIB, 2)).to.equal(6 * GIB);
    expect(kvPoolBytes(gate(16), 20 * GIB, 2)).to.equal(0);
  });
});
