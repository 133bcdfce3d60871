import { expect } from "chai";
import { cp, mkdtemp, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@darkbloom/telemetry";
import { testModelDir } from "../engine/test-fixture.js";
import { DEFAULT_GATE, GIB } from "./memory-gate.js";
import { ModelSet } from "./model-set.js";

const log = createLogger({ level: "error", write: () => undefined });

describe("ModelSet", function () {
  this.timeout(60_000);
  let work = "";
  let sets: ModelSet[] = [];
  const copy = async (name: string): Promise<string> => {
    const dir = path.join(work, name);
    await cp(testModelDir(), dir, { recursive: true });
    return dir;
  };
  const set = (capBytes: number): ModelSet => {
    const s = new ModelSet(
      { ...DEFAULT_GATE, totalBytes: 64 * GIB, capOverrideBytes: capBytes },
      log,
    );
    sets.push(s);
    return s;
  };

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), "darkbloom-models-"));
  });
  afterEach(async () => {
    for (const s of sets) s.closeAll();
    sets = [];
    await rm(work, { recursive: true, force: true });
  });

  it("refuses a load over the memory cap with the arithmetic in the reason", async () => {
    const entry = await set(4 * GIB).load(await copy("a"), true);
    expect(entry.state).to.equal("failed");
    if (entry.state === "failed")
      expect(entry.error).to.match(/activation .* but the cap is 4\.00 GiB/);
  });

  it("loads up to three models, refuses a fourth, and loads it after an unload", async () => {
    const s = set(100 * GIB);
    for (const n of ["a", "b", "c"])
      expect((await s.load(await copy(n), false)).state).to.equal("loaded");
    const fourth = await s.load(await copy("d"), false);
    expect(fourth.state).to.equal("failed");
    expect(s.unload("a")).to.equal(true);
    expect((await s.load(path.join(work, "d"), false)).state).to.equal("loaded");
    expect(
      s
        .infos()
        .map((i) => i.id)
        .sort(),
    ).to.deep.equal(["b", "c", "d"]);
  });

  it("reports a truncated weight file as failed instead of throwing", async () => {
    const dir = await copy("broken");
    await truncate(path.join(dir, "model.safetensors"), 1000);
    const entry = await set(100 * GIB).load(dir, true);
    expect(entry.state).to.equal("failed");
    if (entry.state === "failed") expect(entry.error).to.match(/corrupt weights/);
  });

  it("unloads models idle past the limit but never pinned ones", async () => {
    const s = set(100 * GIB);
    await s.load(await copy("pinned"), true);
    await s.load(await copy("warm"), false);
    expect(s.unloadIdle(Date.now() + 3_600_000, 3_600_000)).to.deep.equal(["warm"]);
    expect(s.infos().map((i) => i.id)).to.deep.equal(["pinned"]);
  });
});
