// Checks the MLX decoder against the independent plain-Float32Array forward pass in test-model/.
// The rope-scaled variants take their frequencies from test-model/reference-rope.ts, which reads
// config.json's rope_scaling itself (not through model-config.ts / rope.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { maxAbsDiff, referenceLogits } from "../../../../test-model/reference-forward.js";
import { referenceRope } from "../../../../test-model/reference-rope.js";
import { readSafetensors } from "../../../../test-model/safetensors.js";
import { qwen3YarnTestModelDir, ropeLlama3TestModelDir } from "../../../../test-model/variants.js";
import { KvCache } from "../../batching/kv-cache.js";
import { loadWeights } from "../load-weights.js";
import { parseLlamaConfig } from "../model-config.js";
import { testModelDir } from "../../test-fixture.js";
import { LlamaModel } from "./model.js";

type Json = Record<string, unknown>;

/** Engine logits after prefilling `prompt` and after one cached decode step of `next`. */
function engineLogits(dir: string, prompt: number[], next: number): [number[], number[]] {
  const cfg = parseLlamaConfig(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Json);
  const model = new LlamaModel(loadWeights(dir), cfg);
  const cache = new KvCache(cfg.numLayers);
  const prefill = model.forward([prompt], [cache]).tolist() as number[][];
  const step = model.forward([[next]], [cache]).tolist() as number[][];
  return [prefill[0] ?? [], step[0] ?? []];
}

function check(dir: string, prompt: number[], next: number, useConfigRope: boolean): void {
  const json = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Json;
  const cfg = parseLlamaConfig(json);
  const ref = readSafetensors(readFileSync(join(dir, "model.safetensors")));
  const rope = useConfigRope ? referenceRope(json) : undefined;
  const [prefill, step] = engineLogits(dir, prompt, next);
  expect(prefill).to.have.length(cfg.vocabSize);
  expect(maxAbsDiff(prefill, referenceLogits(ref, cfg, prompt, rope))).to.be.lessThan(1e-3);
  expect(maxAbsDiff(step, referenceLogits(ref, cfg, [...prompt, next], rope))).to.be.lessThan(1e-3);
  if (useConfigRope) {
    // The scaling must matter at these positions, or the match above would prove nothing.
    const unscaled = referenceLogits(ref, cfg, [...prompt, next]);
    expect(maxAbsDiff(step, unscaled)).to.be.greaterThan(1e-2);
  }
}

describe("LlamaModel forward pass", function () {
  this.timeout(60_000);
  const longPrompt = Array.from({ length: 24 }, (_, i) => (i * 37 + 5) % 300);

  it("matches a plain TypeScript reference within 1e-3 (prefill and cached decode)", () => {
    check(testModelDir(), [5, 17, 260, 42, 300, 9], 77, false);
  });

  it("matches the reference with Llama 3.1-style llama3 rope scaling (tiny-llama-rope-llama3)", () => {
    check(ropeLlama3TestModelDir(), longPrompt, 77, true);
  });

  it("matches the reference with Qwen3 yarn rope scaling and its attention factor (tiny-qwen3-yarn)", () => {
    check(qwen3YarnTestModelDir(), longPrompt, 77, true);
  });
});
