import { expect } from "chai";
import { parseLlamaConfig } from "../src/engine/model/model-config.js";
import { REAL_SIZE_MODELS, type RealSizeModelId, tensorShapes } from "./real-size.js";

// Parameter counts the model cards publish (tied embeddings counted once): the generated tensors
// have the real models' shapes, not just their config fields.
const PUBLISHED_PARAMETERS: Record<RealSizeModelId, number> = {
  "qwen2.5-0.5b": 494_032_768,
  "qwen3-0.6b": 596_049_920,
  "llama3.2-1b": 1_235_814_400,
};

describe("real-size checkpoint shapes", () => {
  for (const [id, model] of Object.entries(REAL_SIZE_MODELS) as [
    RealSizeModelId,
    (typeof REAL_SIZE_MODELS)[RealSizeModelId],
  ][]) {
    it(`${id} has ${model.source}'s parameter count and a config the engine accepts`, () => {
      let total = 0;
      for (const shape of tensorShapes(model.config).values()) {
        total += shape.reduce((a, b) => a * b, 1);
      }
      expect(total).to.equal(PUBLISHED_PARAMETERS[id]);
      const cfg = parseLlamaConfig(model.config);
      expect(cfg.tieWordEmbeddings).to.equal(true);
      expect(cfg.numLayers).to.equal(model.config["num_hidden_layers"]);
    });
  }
});
