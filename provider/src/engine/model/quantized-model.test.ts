// The quantized test models (made by provider/test-model/quantize.ts with MLX's own quantize)
// through the engine's quantizedMatmul path, checked against a plain-TS forward pass over weights
// dequantized in TypeScript (not by MLX).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { readDequantized } from "../../../test-model/dequantize.js";
import {
  QUANTIZED_VARIANTS,
  quantizedTestModelDir,
  type QuantizedVariantId,
} from "../../../test-model/quantized-variants.js";
import { maxAbsDiff, referenceLogits } from "../../../test-model/reference-forward.js";
import { readSafetensors } from "../../../test-model/safetensors.js";
import { KvCache } from "../batching/kv-cache.js";
import { LlamaModel } from "./llama/model.js";
import { loadModel } from "../load-model.js";
import { loadWeights } from "./load-weights.js";
import { mx } from "../mlx-backend/mlx.js";
import { parseLlamaConfig, type LlamaConfig } from "./model-config.js";
import { soloAndTogether } from "../test-fixture.js";

function readConfig(dir: string): LlamaConfig {
  const json = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<
    string,
    unknown
  >;
  return parseLlamaConfig(json);
}

const VARIANTS: { id: QuantizedVariantId; bits: number }[] = [
  { id: "tiny-llama-q8", bits: 8 },
  { id: "tiny-llama-q4", bits: 4 },
];

describe("quantized test models", function () {
  this.timeout(60_000);

  for (const { id, bits } of VARIANTS) {
    describe(id, () => {
      const dir = quantizedTestModelDir(id);
      const cfg = readConfig(dir);
      const q = { groupSize: cfg.quantization?.groupSize ?? 0, bits: cfg.quantization?.bits ?? 0 };

      it(`is an MLX ${bits}-bit checkpoint: packed uint32 weights with scales and biases`, () => {
        expect(cfg.quantization).to.deep.equal({ groupSize: 64, bits });
        const weights = loadWeights(dir);
        const qProj = weights.get("model.layers.0.self_attn.q_proj.weight");
        expect(qProj?.dtype).to.equal(mx.uint32);
        expect(qProj?.shape).to.deep.equal([
          cfg.numHeads * cfg.headDim,
          (cfg.hiddenSize * bits) / 32,
        ]);
        expect(weights.get("model.layers.0.self_attn.q_proj.scales")?.shape).to.deep.equal([
          cfg.numHeads * cfg.headDim,
          cfg.hiddenSize / 64,
        ]);
        expect(weights.has("model.embed_tokens.biases")).to.equal(true);
      });

      it("dequantizes (in TypeScript) to the float source within one step, a quarter step on average", () => {
        const file = join(dir, "model.safetensors");
        const source = readSafetensors(
          readFileSync(join(QUANTIZED_VARIANTS[id].source(), "model.safetensors")),
        );
        const deq = readDequantized(file, q);
        const scales = readSafetensors(readFileSync(file));
        for (const name of ["model.layers.1.mlp.down_proj", "model.embed_tokens", "lm_head"]) {
          const src = source.get(`${name}.weight`)?.data ?? new Float32Array();
          const got = deq.get(`${name}.weight`)?.data ?? new Float32Array();
          const scale = scales.get(`${name}.scales`)?.data ?? new Float32Array();
          expect(got.length).to.equal(src.length);
          // Rounding to the nearest level errs by half a step on average-case elements (MLX anchors
          // each group at an edge, so a few reach one step); a wrong bit order errs by many steps.
          let worst = 0;
          let sum = 0;
          for (let i = 0; i < src.length; i++) {
            const step = Math.abs(scale[Math.floor(i / q.groupSize)] ?? 0);
            const err = Math.abs((got[i] ?? 0) - (src[i] ?? 0)) / step;
            worst = Math.max(worst, err);
            sum += err;
          }
          expect(worst, name).to.be.at.most(1.01);
          expect(sum / src.length, name).to.be.within(0.15, 0.35);
        }
      });

      it("matches the TypeScript reference on dequantized weights within 1e-3 (prefill and decode)", () => {
        const ref = readDequantized(join(dir, "model.safetensors"), q);
        const model = new LlamaModel(loadWeights(dir), cfg);
        const prompt = [5, 17, 260, 42, 300, 9];
        const cache = new KvCache(cfg.numLayers);
        const prefill = model.forward([prompt], [cache]).tolist() as number[][];
        const expected = referenceLogits(ref, cfg, prompt);
        expect(prefill[0]).to.have.length(cfg.vocabSize);
        expect(maxAbsDiff(prefill[0] ?? [], expected)).to.be.lessThan(1e-3);
        const step = model.forward([[77]], [cache]).tolist() as number[][];
        const next = referenceLogits(ref, cfg, [...prompt, 77]);
        expect(maxAbsDiff(step[0] ?? [], next)).to.be.lessThan(1e-3);
      });

      it("generates text end to end, and concurrent greedy requests match solo runs", async () => {
        const engine = await loadModel(dir);
        try {
          const prompts = ["the sea is", "a cat sat on", "once upon a time"];
          const { solo, together } = await soloAndTogether(engine, prompts);
          for (const s of solo) expect(s.tokens).to.be.within(1, 12);
          expect(solo.some((s) => s.text.length > 0)).to.equal(true);
          expect(together).to.deep.equal(solo);
        } finally {
          engine.close();
        }
      });
    });
  }
});
