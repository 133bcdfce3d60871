// Loads a model directory (config.json, *.safetensors, tokenizer.json, tokenizer_config.json).
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { ChatTemplate } from "./chat-template/chat-template.js";
import { EngineError } from "./errors.js";
import { LlamaModel } from "./model/llama/model.js";
import { loadWeights } from "./model/load-weights.js";
import { MlxEngine } from "./mlx-engine.js";
import { parseLlamaConfig } from "./model/model-config.js";
import { Tokenizer, type TokenizerJson } from "./tokenizer/tokenizer.js";

export interface LoadModelOptions {
  /** Defaults to the directory name. */
  modelId?: string;
  /** Caps the model's max_position_embeddings (KV memory). */
  maxContextTokens?: number;
  /** Default 16. */
  maxBatchSize?: number;
  /** Prompt tokens per step (longer prompts are prefilled in chunks); default 512. */
  prefillTokensPerStep?: number;
}

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Json;
  } catch (cause) {
    throw new EngineError("load_failed", `cannot read ${path}`, { cause });
  }
}

/** A special-token field is a string or { content } (older tokenizer_config files). */
function tokenText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as Json)["content"] === "string") {
    return (v as Json)["content"] as string;
  }
  return "";
}

export async function loadModel(dir: string, opts: LoadModelOptions = {}): Promise<MlxEngine> {
  const config = parseLlamaConfig(readJson(join(dir, "config.json")));
  const tokenizer = new Tokenizer(
    readJson(join(dir, "tokenizer.json")) as unknown as TokenizerJson,
  );
  const tokConfigPath = join(dir, "tokenizer_config.json");
  const tokConfig = existsSync(tokConfigPath) ? readJson(tokConfigPath) : {};
  const genConfigPath = join(dir, "generation_config.json");
  const genConfig = existsSync(genConfigPath) ? readJson(genConfigPath) : {};
  const eosToken = tokenText(tokConfig["eos_token"]);
  const eosIds = new Set<number>(config.eosTokenIds);
  const genEos = genConfig["eos_token_id"];
  for (const id of Array.isArray(genEos) ? genEos : [genEos])
    if (typeof id === "number") eosIds.add(id);
  const eosFromText = tokenizer.tokenId(eosToken);
  if (eosFromText !== undefined) eosIds.add(eosFromText);
  const source = tokConfig["chat_template"];
  const templateSource = typeof source === "string" ? source : undefined;
  const weights = loadWeights(dir);
  const model = new LlamaModel(weights, config);
  // Yield once so a caller's event loop is not starved between large loads.
  await Promise.resolve();
  return new MlxEngine({
    modelId: opts.modelId ?? basename(dir),
    model,
    tokenizer,
    template: templateSource
      ? new ChatTemplate(templateSource, { bosToken: tokenText(tokConfig["bos_token"]), eosToken })
      : undefined,
    eosIds,
    contextLength: Math.min(config.maxPositionEmbeddings, opts.maxContextTokens ?? Infinity),
    batcher: {
      maxBatchSize: opts.maxBatchSize ?? 16,
      prefillTokensPerStep: opts.prefillTokensPerStep ?? 512,
    },
  });
}
