// Decode throughput of the MLX engine on a generated test model at several batch sizes, and the
// engine's single-stream decode speed against a bare MLX decode loop over the same weights
// (LlamaModel + KV cache + argmax: no batcher, tokenizer, sampler or stop matching).
// Usage: npx tsx bench/engine-decode.ts [tokensPerSequence] [tiny-llama|tiny-llama-q8|tiny-llama-q4]
import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema } from "@darkbloom/proto";
import { loadModel } from "../provider/src/engine/index.js";
import { KvCache } from "../provider/src/engine/batching/kv-cache.js";
import { LlamaModel } from "../provider/src/engine/model/llama/model.js";
import { loadWeights } from "../provider/src/engine/model/load-weights.js";
import { mx } from "../provider/src/engine/mlx-backend/mlx.js";
import { parseLlamaConfig } from "../provider/src/engine/model/model-config.js";
import { generateTestModel } from "../provider/test-model/generate.js";
import {
  quantizedTestModelDir,
  type QuantizedVariantId,
} from "../provider/test-model/quantized-variants.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const BATCH_SIZES = [1, 2, 4, 8, 16];
const tokensPerSequence = Number(process.argv[2] ?? 128);
const modelId = process.argv[3] ?? "tiny-llama";
const dir =
  modelId === "tiny-llama"
    ? generateTestModel()
    : quantizedTestModelDir(modelId as QuantizedVariantId);

const engine = await loadModel(dir, { maxBatchSize: 16 });
const never = new AbortController().signal;
const body = (i: number) =>
  create(InferenceBodySchema, {
    input: { case: "prompt", value: `Request ${i}: the weather today is` },
    sampling: { maxTokens: tokensPerSequence, temperature: 0 },
  });

interface Run {
  tokens: number;
  seconds: number;
  firstTokenMs: number;
  /** Tokens/s after the first token of the single stream (decode only). */
  decodeRate: number;
}

async function measure(batch: number): Promise<Run> {
  const start = performance.now();
  let firstTokenMs = 0;
  const results = await Promise.all(
    Array.from({ length: batch }, (_, i) =>
      engine.generate(
        body(i),
        () => {
          if (firstTokenMs === 0) firstTokenMs = performance.now() - start;
        },
        never,
      ),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  const tokens = results.reduce((n, r) => n + r.completionTokens, 0);
  const decodeRate = (tokens - batch) / (seconds - firstTokenMs / 1000);
  return { tokens, seconds, firstTokenMs, decodeRate };
}

/** The same model's greedy decode as a plain loop: one forward + argmax + item() per token. */
function bareDecodeRate(tokens: number): number {
  const cfg = parseLlamaConfig(
    JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>,
  );
  const model = new LlamaModel(loadWeights(dir), cfg);
  const cache = new KvCache(cfg.numLayers);
  const prompt = Array.from({ length: 12 }, (_, i) => 10 + i);
  let next = mx.argmax(model.forward([prompt], [cache]), -1).item() as number;
  const start = performance.now();
  for (let i = 1; i < tokens; i++) {
    const logits = model.forward([[next]], [cache]);
    next = mx.argmax(logits, -1).item() as number;
  }
  return (tokens - 1) / ((performance.now() - start) / 1000);
}

await measure(2); // warm-up
const runs = new Map<number, Run>();
for (const batch of BATCH_SIZES) runs.set(batch, await measure(batch));
engine.close();
const single = runs.get(1) as Run;
bareDecodeRate(16); // warm-up
const bare = bareDecodeRate(Math.max(single.tokens, 2));

console.log(`${modelId}, ${tokensPerSequence} tokens per sequence, greedy, CPU MLX\n`);
console.log(
  "| batch | tokens | seconds | tokens/s (total) | tokens/s (per seq) | first token ms |",
);
console.log("|---:|---:|---:|---:|---:|---:|");
for (const [batch, r] of runs) {
  const total = r.tokens / r.seconds;
  console.log(
    `| ${batch} | ${r.tokens} | ${r.seconds.toFixed(2)} | ${total.toFixed(0)} | ${(total / batch).toFixed(0)} | ${r.firstTokenMs.toFixed(1)} |`,
  );
}
console.log("\nsingle-stream decode (after the first token), engine vs bare MLX loop\n");
console.log("| engine tokens/s | bare MLX loop tokens/s | engine / bare |");
console.log("|---:|---:|---:|");
console.log(
  `| ${single.decodeRate.toFixed(0)} | ${bare.toFixed(0)} | ${(single.decodeRate / bare).toFixed(2)} |`,
);
