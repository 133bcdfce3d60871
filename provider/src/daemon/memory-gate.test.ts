import { expect } from "chai";
import { DEFAULT_GATE, GIB, checkLoad, idleModels, memoryCapBytes } from "./memory-gate.js";

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

  it("admits a load when resident + incoming + 3 GiB activation + 1 GiB KV fits the cap", () => {
    expect(checkLoad(gate(16), 4 * GIB, 1, 6 * GIB).ok).to.equal(true);
  });

  it("refuses a load one byte over the cap, saying why", () => {
    const d = checkLoad(gate(16), 4 * GIB, 1, 6 * GIB + 1);
    expect(d.ok).to.equal(false);
    if (!d.ok) expect(d.reason).to.match(/cap is 14\.00 GiB/);
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
