// Parses a Hugging Face config.json of a Llama-architecture model (llama, qwen2, mistral, and
// qwen3 dense: no q/k/v bias by default, explicit head_dim, RMSNorm on each query / key head).
import { EngineError } from "./errors.js";

export interface QuantizationConfig {
  groupSize: number;
  bits: number;
}

export interface LlamaConfig {
  modelType: "llama" | "qwen2" | "mistral" | "qwen3";
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Positions are multiplied by this (linear rope scaling: 1 / factor). */
  ropeScale: number;
  vocabSize: number;
  tieWordEmbeddings: boolean;
  maxPositionEmbeddings: number;
  attentionBias: boolean;
  /** qwen3: q_norm / k_norm (RMSNorm over head_dim) on each query / key head before RoPE. */
  qkNorm: boolean;
  eosTokenIds: number[];
  bosTokenId: number | undefined;
  quantization: QuantizationConfig | undefined;
}

type Json = Record<string, unknown>;

function num(json: Json, key: string, fallback?: number): number {
  const v = json[key];
  if (typeof v === "number") return v;
  if (fallback !== undefined) return fallback;
  throw new EngineError("unsupported_model", `config.json: ${key} missing or not a number`);
}

function idList(v: unknown): number[] {
  if (typeof v === "number") return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === "number");
  return [];
}

function ropeScale(v: unknown): number {
  if (v === null || v === undefined || typeof v !== "object") return 1;
  const scaling = v as Json;
  const type = scaling["type"] ?? scaling["rope_type"];
  if (type === "linear" && typeof scaling["factor"] === "number") return 1 / scaling["factor"];
  if (type === "default") return 1;
  // llama3 / yarn scaling only changes long-context behaviour; we run at base frequencies.
  return 1;
}

export function parseLlamaConfig(json: Json): LlamaConfig {
  const modelType = json["model_type"];
  if (
    modelType !== "llama" &&
    modelType !== "qwen2" &&
    modelType !== "mistral" &&
    modelType !== "qwen3"
  ) {
    throw new EngineError("unsupported_model", `model_type ${String(modelType)}`);
  }
  const hiddenSize = num(json, "hidden_size");
  const numHeads = num(json, "num_attention_heads");
  const q = json["quantization"] as Json | undefined;
  return {
    modelType,
    hiddenSize,
    numLayers: num(json, "num_hidden_layers"),
    numHeads,
    numKvHeads: num(json, "num_key_value_heads", numHeads),
    headDim: num(json, "head_dim", hiddenSize / numHeads),
    intermediateSize: num(json, "intermediate_size"),
    rmsNormEps: num(json, "rms_norm_eps", 1e-6),
    ropeTheta: num(json, "rope_theta", 10000),
    ropeScale: ropeScale(json["rope_scaling"]),
    vocabSize: num(json, "vocab_size"),
    tieWordEmbeddings: json["tie_word_embeddings"] === true,
    maxPositionEmbeddings: num(json, "max_position_embeddings", 4096),
    attentionBias:
      typeof json["attention_bias"] === "boolean" ? json["attention_bias"] : modelType === "qwen2",
    qkNorm: modelType === "qwen3",
    eosTokenIds: idList(json["eos_token_id"]),
    bosTokenId: idList(json["bos_token_id"])[0],
    quantization: q ? { groupSize: num(q, "group_size"), bits: num(q, "bits") } : undefined,
  };
}
