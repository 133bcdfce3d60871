import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT, spawnTs } from "./child-process.js";

export const TEST_MODEL_ID = "tiny-llama";
export const TEST_MODEL_DIR = path.join(REPO_ROOT, "provider/test-model/out", TEST_MODEL_ID);

/**
 * The test model's end-of-sequence token. Its random weights end a sampled answer after anywhere
 * from a handful to a thousand tokens; a test that needs a request to keep running bans this token
 * with `logit_bias` (so it runs to max_tokens or the context).
 */
export function testModelEosTokenId(): number {
  const config = JSON.parse(readFileSync(path.join(TEST_MODEL_DIR, "config.json"), "utf8")) as {
    eos_token_id: number | number[];
  };
  const eos = config.eos_token_id;
  return Array.isArray(eos) ? (eos[0] ?? 0) : eos;
}

/** `logit_bias` that keeps the test model generating until max_tokens or its context is used up. */
export const neverEnding = (): Record<string, number> => ({ [testModelEosTokenId()]: -100 });

/** Generates the deterministic test model once (the generator skips work when it is current). */
export async function ensureTestModel(): Promise<string> {
  try {
    await stat(path.join(TEST_MODEL_DIR, "config.json"));
    return TEST_MODEL_DIR;
  } catch {
    const gen = spawnTs(
      path.join(REPO_ROOT, "provider/test-model/generate.ts"),
      [TEST_MODEL_DIR],
      {},
    );
    await new Promise<void>((resolve, reject) =>
      gen.child.once("exit", (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`test model generation failed:\n${gen.output()}`)),
      ),
    );
    return TEST_MODEL_DIR;
  }
}

/** Quantized variants, made by the generator with MLX's quantize (provider/test-model/quantize.ts). */
export const QUANTIZED_TEST_MODEL_IDS = ["tiny-llama-q4", "tiny-llama-q8"] as const;
export type QuantizedTestModelId = (typeof QUANTIZED_TEST_MODEL_IDS)[number];

/** Generates the test models including the quantized variants; returns the variant's directory. */
export async function ensureQuantizedTestModel(id: QuantizedTestModelId): Promise<string> {
  const dir = path.join(REPO_ROOT, "provider/test-model/out", id);
  const gen = spawnTs(path.join(REPO_ROOT, "provider/test-model/generate.ts"), [], {});
  await new Promise<void>((resolve, reject) =>
    gen.child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`test model generation failed:\n${gen.output()}`)),
    ),
  );
  return dir;
}

/**
 * A random-weight checkpoint with a real model's exact config and tokenizer in the mlx-community
 * layout (provider/test-model/real-size.ts), generated once into the gitignored out/ folder.
 */
export async function ensureRealSizeModel(id: string, format: "f16" | "q4"): Promise<string> {
  const gen = spawnTs(path.join(REPO_ROOT, "provider/test-model/real-size.ts"), [id, format], {});
  await new Promise<void>((resolve, reject) =>
    gen.child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`real-size model generation failed:\n${gen.output()}`)),
    ),
  );
  return path.join(REPO_ROOT, "provider/test-model/out/real-size", `${id}-${format}`);
}
