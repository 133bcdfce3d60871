import { expect } from "chai";
import { EngineError } from "../errors.js";
import { parseLlamaConfig } from "./model-config.js";

describe("parseLlamaConfig", () => {
  const base = {
    model_type: "llama",
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    vocab_size: 300,
  };

  it("fills Llama defaults (kv heads = heads, head_dim = hidden / heads, no bias)", () => {
    const c = parseLlamaConfig({ ...base, eos_token_id: 7 });
    expect(c).to.include({
      numKvHeads: 4,
      headDim: 16,
      ropeTheta: 10000,
      attentionBias: false,
      tieWordEmbeddings: false,
    });
    expect(c.eosTokenIds).to.deep.equal([7]);
    expect(c.quantization).to.equal(undefined);
  });

  it("gives qwen2 attention bias, reads eos arrays and MLX quantization", () => {
    const c = parseLlamaConfig({
      ...base,
      model_type: "qwen2",
      eos_token_id: [1, 2],
      quantization: { group_size: 64, bits: 4 },
    });
    expect(c.attentionBias).to.equal(true);
    expect(c.eosTokenIds).to.deep.equal([1, 2]);
    expect(c.quantization).to.deep.equal({ groupSize: 64, bits: 4 });
  });

  it("reads qwen3: no bias by default, explicit head_dim, q/k norm", () => {
    const c = parseLlamaConfig({ ...base, model_type: "qwen3", head_dim: 24 });
    expect(c).to.include({ modelType: "qwen3", headDim: 24, attentionBias: false, qkNorm: true });
    expect(parseLlamaConfig({ ...base, model_type: "qwen3", attention_bias: true })).to.include({
      attentionBias: true,
      headDim: 16,
    });
    expect(parseLlamaConfig(base).qkNorm).to.equal(false);
  });

  it("refuses other architectures as unsupported_model", () => {
    expect(() => parseLlamaConfig({ ...base, model_type: "gpt2" }))
      .to.throw(EngineError)
      .with.property("code", "unsupported_model");
  });

  it("reads linear, llama3 and yarn rope_scaling (rope_type or legacy type)", () => {
    expect(parseLlamaConfig({ ...base, rope_scaling: { type: "linear", factor: 4 } })).to.include({
      ropeScale: 0.25,
    });
    const llama3 = {
      rope_type: "llama3",
      factor: 8,
      low_freq_factor: 1,
      high_freq_factor: 4,
      original_max_position_embeddings: 8192,
    };
    expect(parseLlamaConfig({ ...base, rope_scaling: llama3 }).ropeScaling).to.deep.equal({
      type: "llama3",
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
    const yarn = parseLlamaConfig({
      ...base,
      max_position_embeddings: 40960,
      rope_scaling: { type: "yarn", factor: 4, original_max_position_embeddings: 32768 },
    });
    expect(yarn.ropeScale).to.equal(1);
    expect(yarn.ropeScaling).to.deep.include({
      type: "yarn",
      factor: 4,
      betaFast: 32,
      betaSlow: 1,
      originalMaxPositionEmbeddings: 32768,
      truncate: true,
    });
    // HF's default: 0.1 ln(factor) + 1.
    expect(yarn.ropeScaling).to.have.property("attentionFactor").closeTo(1.138629, 1e-6);
  });

  it("refuses unknown rope_scaling types and incomplete llama3 scaling at load", () => {
    for (const rope_scaling of [
      { rope_type: "dynamic", factor: 2 },
      { rope_type: "longrope", short_factor: [1], long_factor: [2] },
      { rope_type: "llama3", factor: 8 },
    ]) {
      expect(() => parseLlamaConfig({ ...base, rope_scaling }))
        .to.throw(EngineError)
        .with.property("code", "unsupported_model");
    }
  });
});
