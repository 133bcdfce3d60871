import { expect } from "chai";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { testModelDir } from "../engine/test-fixture.js";
import { DownloadError, downloadModel } from "./download-model.js";
import { HashCache, hashModelWeights } from "./hash-weights.js";
import { buildManifest } from "./manifest.js";
import { FakeFileHost } from "@darkbloom/testing";
import { verifyModel } from "./verify-model.js";

describe("downloadModel", function () {
  this.timeout(60_000);
  let modelDir: string;
  let work: string;
  let host: FakeFileHost | undefined;

  before(() => {
    modelDir = testModelDir();
  });
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), "darkbloom-dl-"));
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    await rm(work, { recursive: true, force: true });
  });

  it("resumes an interrupted download with a Range request and verifies every file", async () => {
    host = new FakeFileHost({
      dir: modelDir,
      cut: { file: "model.safetensors", cutAfterBytes: 300_000 },
    });
    const base = await host.start();
    const manifest = await buildManifest(modelDir, `${base}/files/`, new HashCache(undefined));
    const modelsDir = path.join(work, "models");

    const first = await downloadModel(manifest, modelsDir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(first).to.be.instanceOf(DownloadError);
    expect(String((first as Error).message)).to.match(/interrupted/);

    const progress: number[] = [];
    const second = await downloadModel(manifest, modelsDir, (p) => progress.push(p.doneBytes));
    const ranged = host.requests.filter((r) => r.path.endsWith("model.safetensors"));
    expect(ranged).to.have.length(2);
    expect(ranged[1]?.range).to.match(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(ranged[1]?.range ?? "")?.[0])).to.be.greaterThan(0);
    expect(second.resumedBytes).to.be.greaterThan(0);
    expect(progress.at(-1)).to.equal(manifest.files.reduce((n, f) => n + f.sizeBytes, 0));

    const weights = await hashModelWeights(second.dir, new HashCache(undefined));
    expect(weights.weightHash).to.equal(manifest.weightHash);
  });

  it("refuses a file whose SHA-256 differs from the manifest and keeps nothing of it", async () => {
    const copy = path.join(work, "served");
    await cp(modelDir, copy, { recursive: true });
    host = new FakeFileHost({ dir: copy });
    const base = await host.start();
    const manifest = await buildManifest(copy, `${base}/files/`, new HashCache(undefined));
    const config = path.join(copy, "config.json");
    const text = await readFile(config, "utf8");
    await writeFile(config, text.replace("{", "{ "));
    const err = await downloadModel(manifest, path.join(work, "models")).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DownloadError);
    expect(String((err as Error).message)).to.match(/config\.json.*sha256/);
  });
});

describe("verifyModel", () => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), "darkbloom-verify-"));
  });
  afterEach(async () => rm(work, { recursive: true, force: true }));

  it("passes the intact test model and reports a truncated safetensors file", async () => {
    const modelDir = testModelDir();
    const cache = new HashCache(path.join(work, "hash-cache.json"));
    const good = await verifyModel(modelDir, cache);
    expect(good.ok, good.problems.join("; ")).to.equal(true);

    const copy = path.join(work, "broken");
    await cp(modelDir, copy, { recursive: true });
    const weights = path.join(copy, "model.safetensors");
    const bytes = await readFile(weights);
    await writeFile(weights, bytes.subarray(0, bytes.byteLength - 1000));
    const bad = await verifyModel(copy, cache, good.weightHash);
    expect(bad.ok).to.equal(false);
    expect(bad.problems.join("\n")).to.match(/past the end of the file/);
    expect(bad.problems.join("\n")).to.match(/differs from the registry/);
  });
});
