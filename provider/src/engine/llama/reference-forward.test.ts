// Checks the MLX decoder against the independent plain-Float32Array forward pass in test-model/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { maxAbsDiff, referenceLogits } from "../../../test-model/reference-forward.js";
import { readSafetensors } from "../../../test-model/safetensors.js";
import { KvCache } from "../kv-cache.js";
import { loadWeights } from "../load-weights.js";
import { parseLlamaConfig } from "../model-config.js";
import { testModelDir } from "../test-fixture.js";
import { LlamaModel } from "./model.js";

describe("LlamaModel forward pass", function () {
  this.timeout(30_000);

  it("matches a plain TypeScript reference within 1e-3 (prefill and cached decode)", () => {
    const dir = testModelDir();
    const cfg = parseLlamaConfig(
      JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>,
    );
    const ref = readSafetensors(readFileSync(join(dir, "model.safetensors")));
    const model = new LlamaModel(loadWeights(dir), cfg);
    const prompt = [5, 17, 260, 42, 300, 9];
    const cache = new KvCache(cfg.numLayers);
    const prefill = model.forward([prompt], [cache]).tolist() as number[][];
    const expected = referenceLogits(ref, cfg, prompt);
    expect(prefill[0]).to.have.length(cfg.vocabSize);
    expect(maxAbsDiff(prefill[0] ?? [], expected)).to.be.lessThan(1e-3);
    const step = model.forward([[77]], [cache]).tolist() as number[][];
    expect(maxAbsDiff(step[0] ?? [], referenceLogits(ref, cfg, [...prompt, 77]))).to.be.lessThan(
      1e-3,
    );
  });
});
