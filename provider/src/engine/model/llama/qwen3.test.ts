// The Qwen3-dense path (q_norm / k_norm per head before RoPE, head_dim != hidden / heads, no
// q/k/v bias) on the generated `tiny-qwen3` model, checked against the plain-TS reference.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { qwen3TestModelDir } from "../../../../test-model/float-model.js";
import { maxAbsDiff, referenceLogits } from "../../../../test-model/reference-forward.js";
import { readSafetensors } from "../../../../test-model/safetensors.js";
import { KvCache } from "../../batching/kv-cache.js";
import { loadModel } from "../../load-model.js";
import { loadWeights } from "../load-weights.js";
import { parseLlamaConfig } from "../model-config.js";
import { soloAndTogether } from "../../test-fixture.js";
import { LlamaModel } from "./model.js";

describe("qwen3 (tiny-qwen3)", function () {
  this.timeout(60_000);

  const dir = qwen3TestModelDir();
  const cfg = parseLlamaConfig(
    JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>,
  );

  it("is a qwen3 config with head_dim != hidden / heads, q/k norms and no q/k/v bias", () => {
    expect(cfg).to.include({ modelType: "qwen3", qkNorm: true, attentionBias: false });
    expect(cfg.headDim).to.not.equal(cfg.hiddenSize / cfg.numHeads);
    const weights = loadWeights(dir);
    expect(weights.get("model.layers.0.self_attn.q_norm.weight")?.shape).to.deep.equal([
      cfg.headDim,
    ]);
    expect(weights.get("model.layers.0.self_attn.k_norm.weight")?.shape).to.deep.equal([
      cfg.headDim,
    ]);
    expect(weights.get("model.layers.0.self_attn.q_proj.weight")?.shape).to.deep.equal([
      cfg.numHeads * cfg.headDim,
      cfg.hiddenSize,
    ]);
    expect(weights.has("model.layers.0.self_attn.q_proj.bias")).to.equal(false);
  });

  it("matches the TypeScript reference within 1e-3 (prefill and cached decode)", () => {
    const ref = readSafetensors(readFileSync(join(dir, "model.safetensors")));
    const model = new LlamaModel(loadWeights(dir), cfg);
    const prompt = [5, 17, 260, 42, 300, 9];
    const cache = new KvCache(cfg.numLayers);
    const prefill = model.forward([prompt], [cache]).tolist() as number[][];
    expect(prefill[0]).to.have.length(cfg.vocabSize);
    expect(maxAbsDiff(prefill[0] ?? [], referenceLogits(ref, cfg, prompt))).to.be.lessThan(1e-3);
    // Skipping q_norm / k_norm would be far off, not within rounding.
    const noNorm = referenceLogits(ref, { ...cfg, qkNorm: false }, prompt);
    expect(maxAbsDiff(prefill[0] ?? [], noNorm)).to.be.greaterThan(0.1);
    const step = model.forward([[77]], [cache]).tolist() as number[][];
    const next = referenceLogits(ref, cfg, [...prompt, 77]);
    expect(maxAbsDiff(step[0] ?? [], next)).to.be.lessThan(1e-3);
  });

  it("generates deterministically (greedy), concurrent requests matching solo runs", async () => {
    const engine = await loadModel(dir);
    try {
      const prompts = ["the sea is", "a cat sat on", "once upon a time"];
      const { run, solo, together } = await soloAndTogether(engine, prompts);
      for (const s of solo) expect(s.tokens).to.be.within(1, 12);
      expect(solo.some((s) => s.text.length > 0)).to.equal(true);
      expect(await run(prompts[0] ?? "")).to.deep.equal(solo[0]);
      expect(together).to.deep.equal(solo);
    } finally {
      engine.close();
    }
  });
});
