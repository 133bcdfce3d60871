import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema } from "@darkbloom/proto";
import type { ModelEngine } from "../engine/index.js";

export interface Throughput {
  promptTokens: number;
  completionTokens: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
}

const PROMPT_WORDS =
  "the quick brown fox jumps over the lazy dog while the provider measures how fast it reads ";

/**
 * One real generation: prefill speed = prompt tokens ÷ time to the first token; decode speed =
 * tokens after the first ÷ the time they took. Random-weight models may stop early at EOS, so
 * the token counts are reported next to the speeds.
 */
export async function measureThroughput(
  engine: ModelEngine,
  opts: { promptTokens: number; decodeTokens: number; onToken?: (n: number) => void },
): Promise<Throughput> {
  let prompt = "";
  const body = (): ReturnType<typeof create<typeof InferenceBodySchema>> =>
    create(InferenceBodySchema, {
      model: engine.modelId,
      input: { case: "prompt", value: prompt },
      sampling: { maxTokens: opts.decodeTokens, temperature: 1, seed: 7n },
    });
  while (engine.countPromptTokens(body()) < opts.promptTokens) prompt += PROMPT_WORDS;
  const started = performance.now();
  let firstAt = 0;
  let tokens = 0;
  const result = await engine.generate(
    body(),
    (d) => {
      if (firstAt === 0 && d.tokenCount > 0) firstAt = performance.now();
      tokens += d.tokenCount;
      opts.onToken?.(tokens);
    },
    new AbortController().signal,
  );
  const end = performance.now();
  const firstMs = Math.max(1e-3, (firstAt || end) - started);
  const decodeMs = Math.max(1e-3, end - (firstAt || end));
  return {
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    prefillTokensPerSecond: (result.promptTokens / firstMs) * 1000,
    decodeTokensPerSecond:
      result.completionTokens > 1 ? ((result.completionTokens - 1) / decodeMs) * 1000 : 0,
  };
}
