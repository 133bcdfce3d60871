// Parses a Hugging Face config.json of a Llama-architecture model (llama, qwen2, mistral, and
// qwen3 dense: no q/k/v bias by default, explicit head_dim, RMSNorm on each query / key head).
// rope_scaling: default, linear, llama3 and yarn (see llama/rope.ts); anything else is refused.
import { EngineError } from "../errors.js";

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
  /** Positions are multiplied by this (linear rope scaling: 1 / factor; 1 otherwise). */
  ropeScale: number;
  /** config.json's rope_scaling, validated (llama/rope.ts turns it into frequencies). */
  ropeScaling: RopeScaling;
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

/** Hugging Face rope types we implement exactly; field names follow config.json's. */
export type RopeScaling =
  | { type: "default" }
  | { type: "linear"; factor: number }
  | {
      type: "llama3";
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositionEmbeddings: number;
    }
  | {
      type: "yarn";
      factor: number;
      betaFast: number;
      betaSlow: number;
      originalMaxPositionEmbeddings: number;
      /** Multiplies cos and sin (so q·k by its square), as HF's attention_factor / mscale. */
      attentionFactor: number;
      /** Round the correction range to whole dimensions (HF's default true). */
      truncate: boolean;
    };

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

function scalingNum(scaling: Json, key: string, fallback?: number): number {
  const v = scaling[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  throw new EngineError("unsupported_model", `config.json: rope_scaling.${key} missing or invalid`);
}

/** HF's yarn attention factor: explicit, else from mscale / mscale_all_dim, else 0.1 ln(s) + 1. */
function yarnAttentionFactor(scaling: Json, factor: number): number {
  const explicit = scaling["attention_factor"];
  if (typeof explicit === "number") return explicit;
  const mscale = (scale: number, m: number): number =>
    scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1;
  const m = scaling["mscale"];
  const all = scaling["mscale_all_dim"];
  if (typeof m === "number" && m !== 0 && typeof all === "number" && all !== 0) {
    return mscale(factor, m) / mscale(factor, all);
  }
  return mscale(factor, 1);
}

export function parseRopeScaling(v: unknown, maxPositionEmbeddings: number): RopeScaling {
  if (v === null || v === undefined) return { type: "default" };
  if (typeof v !== "object") {
    throw new EngineError("unsupported_model", "config.json: rope_scaling is not an object");
  }
  const s = v as Json;
  const type = s["rope_type"] ?? s["type"];
  switch (type) {
    case "default":
      return { type: "default" };
    case "linear":
      return { type: "linear", factor: scalingNum(s, "factor") };
    case "llama3":
      return {
        type: "llama3",
        factor: scalingNum(s, "factor"),
        lowFreqFactor: scalingNum(s, "low_freq_factor"),
        highFreqFactor: scalingNum(s, "high_freq_factor"),
        originalMaxPositionEmbeddings: scalingNum(s, "original_max_position_embeddings"),
      };
    case "yarn": {
      const original = scalingNum(s, "original_max_position_embeddings", maxPositionEmbeddings);
      // HF: an absent factor is the ratio of the post-yarn to the pre-yarn context length.
      const factor = scalingNum(s, "factor", maxPositionEmbeddings / original);
      return {
        type: "yarn",
        factor,
        betaFast: scalingNum(s, "beta_fast", 32),
        betaSlow: scalingNum(s, "beta_slow", 1),
        originalMaxPositionEmbeddings: original,
        attentionFactor: yarnAttentionFactor(s, factor),
        truncate: s["truncate"] !== false,
      };
    }
    default:
      // dynamic NTK, longrope, su, mrope...: refusing beats running with wrong positions.
      throw new EngineError("unsupported_model", `rope_scaling type ${String(type)}`);
  }
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
  const maxPositionEmbeddings = num(json, "max_position_embeddings", 4096);
  const ropeScaling = parseRopeScaling(json["rope_scaling"], maxPositionEmbeddings);
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
    ropeScale: ropeScaling.type === "linear" ? 1 / ropeScaling.factor : 1,
    ropeScaling,
    vocabSize: num(json, "vocab_size"),
    tieWordEmbeddings: json["tie_word_embeddings"] === true,
    maxPositionEmbeddings,
    attentionBias:
      typeof json["attention_bias"] === "boolean" ? json["attention_bias"] : modelType === "qwen2",
    qkNorm: modelType === "qwen3",
    eosTokenIds: idList(json["eos_token_id"]),
    bosTokenId: idList(json["bos_token_id"])[0],
    quantization: q ? { groupSize: num(q, "group_size"), bits: num(q, "bits") } : undefined,
  };
}
