// Writes a tiny random Llama model (config, f16 safetensors, BPE tokenizer, chat template); with
// `qkNorm` in the shape, a Qwen3-dense one instead (model_type qwen3, q_norm / k_norm weights).
// A `ModelVariant` overrides config.json fields and / or the tokenizer files (variants.ts).
// Deterministic and idempotent: files whose bytes already match are left alone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomWeights, type TinyShape } from "./random-weights.js";
import { writeSafetensors } from "./safetensors.js";
import { tokenizerFiles } from "./tokenizer-files.js";

export const OUT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "out");
export const DEFAULT_OUT_DIR = join(OUT_ROOT, "tiny-llama");

const NUM_MERGES = 400;
const SEED = 20240601;

export function writeIfChanged(path: string, content: Buffer): boolean {
  if (existsSync(path) && readFileSync(path).equals(content)) return false;
  writeFileSync(path, content);
  return true;
}

/** The default shape; `vocab` is filled in from the tokenizer. */
export const DEFAULT_SHAPE: Omit<TinyShape, "vocab"> = {
  hidden: 128,
  layers: 4,
  heads: 4,
  kvHeads: 2,
  intermediate: 256,
};

/**
 * The Qwen3-dense variant: head_dim (48) differs from hidden / heads (32), and q_norm / k_norm
 * are present. Made on demand by the tests (qwen3TestModelDir), not by the default CLI run.
 */
export const QWEN3_SHAPE: Omit<TinyShape, "vocab"> = {
  hidden: 128,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  intermediate: 256,
  headDim: 48,
  qkNorm: true,
};

export function qwen3TestModelDir(outRoot: string = OUT_ROOT): string {
  return generateTestModel(join(outRoot, "tiny-qwen3"), QWEN3_SHAPE);
}

export interface TokenizerFiles {
  tokenizer: object;
  config: object;
  /** Number of token ids (vocab + added tokens). */
  size: number;
}

export interface ModelVariant {
  /** Merged over the generated config.json (e.g. rope_scaling, model_type, token ids). */
  config?: Record<string, unknown>;
  /** Replaces the byte-level BPE tokenizer.json / tokenizer_config.json. */
  tokenizer?: TokenizerFiles;
}

/** Generates the model into outDir; returns the directory. */
export function generateTestModel(
  outDir: string = DEFAULT_OUT_DIR,
  base: Omit<TinyShape, "vocab"> = DEFAULT_SHAPE,
  variant: ModelVariant = {},
): string {
  const tok = variant.tokenizer ?? tokenizerFiles(NUM_MERGES);
  // Padded past the tokenizer like real checkpoints, so unused rows exist.
  const shape: TinyShape = { ...base, vocab: Math.ceil(tok.size / 64) * 64 };
  const eosId = tok.size - 1;
  const qwen3 = shape.qkNorm === true;
  const config = {
    architectures: [qwen3 ? "Qwen3ForCausalLM" : "LlamaForCausalLM"],
    model_type: qwen3 ? "qwen3" : "llama",
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    num_key_value_heads: shape.kvHeads,
    head_dim: shape.headDim ?? shape.hidden / shape.heads,
    intermediate_size: shape.intermediate,
    rms_norm_eps: 1e-5,
    rope_theta: qwen3 ? 1000000 : 10000,
    vocab_size: shape.vocab,
    tie_word_embeddings: false,
    max_position_embeddings: 2048,
    attention_bias: false,
    bos_token_id: null,
    eos_token_id: [eosId],
    torch_dtype: "float16",
    ...variant.config,
  };
  mkdirSync(outDir, { recursive: true });
  const json = (v: object): Buffer => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);
  writeIfChanged(join(outDir, "config.json"), json(config));
  writeIfChanged(join(outDir, "tokenizer.json"), json(tok.tokenizer));
  writeIfChanged(join(outDir, "tokenizer_config.json"), json(tok.config));
  const weightsPath = join(outDir, "model.safetensors");
  const marker = join(outDir, ".weights-seed");
  const stamp = Buffer.from(`${SEED} ${JSON.stringify(shape)}\n`);
  if (!existsSync(weightsPath) || !existsSync(marker) || !readFileSync(marker).equals(stamp)) {
    writeFileSync(weightsPath, writeSafetensors(randomWeights(shape, SEED), "F16"));
    writeFileSync(marker, stamp);
  }
  return outDir;
}
