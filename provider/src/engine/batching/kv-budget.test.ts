import { expect } from "chai";
import { BATCH_COPY_FACTOR, kvBytesPerToken, kvPeakBytes, kvTokensFor } from "./kv-budget.js";
import { parseLlamaConfig } from "../model/model-config.js";

describe("kv-budget", () => {
  // Llama-3.2-1B's config.json: 16 layers, 8 KV heads of 64.
  const llama32 = parseLlamaConfig({
    model_type: "llama",
    hidden_size: 2048,
    num_hidden_layers: 16,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    head_dim: 64,
    intermediate_size: 8192,
    vocab_size: 128256,
    max_position_embeddings: 131072,
  });

  it("counts keys and values of every layer in float32 (the engine's compute dtype)", () => {
    expect(kvBytesPerToken(llama32)).to.equal(2 * 16 * 8 * 64 * 4);
    expect(kvBytesPerToken(llama32, 2)).to.equal(32 * 1024);
  });

  it("charges the batch buffer's rebuild copy on every token", () => {
    const per = kvBytesPerToken(llama32);
    expect(kvPeakBytes(1000, per)).to.equal(1000 * per * BATCH_COPY_FACTOR);
    expect(kvTokensFor(kvPeakBytes(1000, per), per)).to.equal(1000);
    expect(kvTokensFor(kvPeakBytes(1000, per) - 1, per)).to.equal(999);
  });

  it("never reports a negative capacity", () => {
    expect(kvTokensFor(-5, 100)).to.equal(0);
    expect(kvTokensFor(100, 0)).to.equal(0);
  });
});
