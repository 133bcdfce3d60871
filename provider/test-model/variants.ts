// Test models for model-family features, generated on demand by the tests that use them:
// `tiny-llama-rope-llama3` (Llama 3.1-style rope_scaling), `tiny-qwen3-yarn` (Qwen3 with yarn
// rope_scaling) and `tiny-mistral-sp` (Mistral with a SentencePiece-style byte-fallback tokenizer).
// The rope variants use small original_max_position_embeddings so that the scaling changes most
// frequencies, and so the logits, at the short positions a test can afford.
import { join } from "node:path";
import { DEFAULT_SHAPE, generateTestModel, OUT_ROOT, QWEN3_SHAPE } from "./float-model.js";
import { sentencePieceTokenizerFiles } from "./sentencepiece-tokenizer.js";

export const LLAMA3_ROPE_SCALING = {
  rope_type: "llama3",
  factor: 8.0,
  low_freq_factor: 1.0,
  high_freq_factor: 4.0,
  original_max_position_embeddings: 64,
};

export const YARN_ROPE_SCALING = {
  rope_type: "yarn",
  factor: 4.0,
  original_max_position_embeddings: 256,
};

export function ropeLlama3TestModelDir(outRoot: string = OUT_ROOT): string {
  return generateTestModel(join(outRoot, "tiny-llama-rope-llama3"), DEFAULT_SHAPE, {
    config: { rope_scaling: LLAMA3_ROPE_SCALING },
  });
}

export function qwen3YarnTestModelDir(outRoot: string = OUT_ROOT): string {
  return generateTestModel(join(outRoot, "tiny-qwen3-yarn"), QWEN3_SHAPE, {
    config: { rope_scaling: YARN_ROPE_SCALING, max_position_embeddings: 1024 },
  });
}

export function mistralSpTestModelDir(outRoot: string = OUT_ROOT): string {
  return generateTestModel(
    join(outRoot, "tiny-mistral-sp"),
    { ...DEFAULT_SHAPE, layers: 2 },
    {
      tokenizer: sentencePieceTokenizerFiles("legacy"),
      config: {
        architectures: ["MistralForCausalLM"],
        model_type: "mistral",
        bos_token_id: 1,
        eos_token_id: 2,
        rope_theta: 1000000,
      },
    },
  );
}
