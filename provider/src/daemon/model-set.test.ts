import { expect } from "chai";
import { cp, mkdtemp, readFile, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@darkbloom/telemetry";
import { testModelDir } from "../engine/test-fixture.js";
import { kvBytesPerToken, kvTokensFor } from "../engine/batching/kv-budget.js";
import { parseLlamaConfig } from "../engine/model/model-config.js";
import { DEFAULT_GATE, GIB, kvPoolBytes } from "./memory-gate.js";
import { ModelSet, mlxLoader, type ModelSetOptions } from "./model-set.js";

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
  const set = (capBytes: number, options: ModelSetOptions = {}): ModelSet => {
    const s = new ModelSet(
      { ...DEFAULT_GATE, totalBytes: 64 * GIB, capOverrideBytes: capBytes },
      log,
      mlxLoader,
      options,
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

  it("reports the KV capacity its memory budget holds, shared by the loaded models", async () => {
    const s = set(10 * GIB, { memoryUsedBytes: () => 0 });
    const a = await s.load(await copy("a"), true);
    if (a.state !== "loaded") throw new Error(a.state);
    const perToken = a.engine.kvBytesPerToken;
    const weights = a.kv.residentBytes;
    expect(s.kvCapacityTokens("a")).to.equal(
      kvTokensFor(kvPoolBytes(s["gate"], weights, 1), perToken),
    );
    await s.load(await copy("b"), true);
    // Two copies of one model: each gets half of what is left after both weights.
    expect(s.kvCapacityTokens("a")).to.equal(
      kvTokensFor(kvPoolBytes(s["gate"], 2 * weights, 2) / 2, perToken),
    );
    expect(s.kvCapacityTokens("missing")).to.equal(0);
  });

  it("post-load guard: unloads a model whose live KV headroom is below one full context", async () => {
    // The load is measured at 6.9 GiB (as an upcast or a leak would make it): an 8 GiB cap − 6.9
    // − 0.5 prefix − 3 activation leaves no room for one 2048-token context.
    const readings = [0, 6.9 * GIB];
    const s = set(8 * GIB, { memoryUsedBytes: () => readings.shift() ?? 0 });
    const entry = await s.load(await copy("a"), false);
    expect(entry.state).to.equal("failed");
    if (entry.state === "failed")
      expect(entry.error).to.match(
        /^post-load guard: live KV headroom is 0 tokens, below one full context \(2048 tokens/,
      );
    expect(s.engines.has("a")).to.equal(false);
    expect(s.infos()).to.deep.equal([]);
  });

  it("caps the context with maxContextTokens, which lowers the minimum serveable KV", async () => {
    const s = set(100 * GIB, { maxContextTokens: 512 });
    const dir = await copy("a");
    const entry = await s.load(dir, true);
    if (entry.state !== "loaded") throw new Error(entry.state);
    expect(entry.engine.contextLength).to.equal(512);
    const config = parseLlamaConfig(
      JSON.parse(await readFile(path.join(dir, "config.json"), "utf8")) as Record<string, unknown>,
    );
    expect(entry.kv).to.include({ contextLength: 512, kvBytesPerToken: kvBytesPerToken(config) });
  });

  it("advertises at most kvCapacityCapTokens, and refuses a cap below one full context", async () => {
    const capped = set(100 * GIB, { kvCapacityCapTokens: 12_000 });
    expect((await capped.load(await copy("a"), true)).state).to.equal("loaded");
    expect(capped.kvCapacityTokens("a")).to.equal(12_000);

    const tooSmall = await set(100 * GIB, { kvCapacityCapTokens: 1000 }).load(
      await copy("b"),
      true,
    );
    expect(tooSmall.state).to.equal("failed");
    if (tooSmall.state === "failed")
      expect(tooSmall.error).to.match(/live KV headroom is 1000 tokens, below one full context/);
  });
});
