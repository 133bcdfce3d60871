// Decode throughput of the MLX engine on the generated test model at several batch sizes.
// Usage: npx tsx bench/engine-decode.ts [tokensPerSequence]
import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema } from "@darkbloom/proto";
import { loadModel } from "../provider/src/engine/index.js";
import { generateTestModel } from "../provider/test-model/generate.js";

const BATCH_SIZES = [1, 2, 4, 8, 16];
const tokensPerSequence = Number(process.argv[2] ?? 128);

const engine = await loadModel(generateTestModel(), { maxBatchSize: 16 });
const never = new AbortController().signal;
const body = (i: number) =>
  create(InferenceBodySchema, {
    input: { case: "prompt", value: `Request ${i}: the weather today is` },
    sampling: { maxTokens: tokensPerSequence, temperature: 0 },
  });

async function measure(
  batch: number,
): Promise<{ tokens: number; seconds: number; firstTokenMs: number }> {
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
  const tokens = results.reduce((n, r) => n + r.completionTokens, 0);
  return { tokens, seconds: (performance.now() - start) / 1000, firstTokenMs };
}

await measure(2); // warm-up
const rows: string[] = [];
for (const batch of BATCH_SIZES) {
  const { tokens, seconds, firstTokenMs } = await measure(batch);
  const total = tokens / seconds;
  rows.push(
    `| ${batch} | ${tokens} | ${seconds.toFixed(2)} | ${total.toFixed(0)} | ${(total / batch).toFixed(0)} | ${firstTokenMs.toFixed(1)} |`,
  );
}
engine.close();
console.log(`tiny test model, ${tokensPerSequence} tokens per sequence, greedy, CPU MLX\n`);
console.log(
  "| batch | tokens | seconds | tokens/s (total) | tokens/s (per seq) | first token ms |",
);
console.log("|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
