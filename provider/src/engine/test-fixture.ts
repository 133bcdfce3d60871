// Shared by the engine tests: the generated tiny model and request builders.
import { create } from "@bufbuild/protobuf";
import { type InferenceBody, InferenceBodySchema } from "@darkbloom/proto";
import { generateTestModel } from "../../test-model/generate.js";
import type { GenerationDelta, ModelEngine } from "./types.js";

export function testModelDir(): string {
  return generateTestModel();
}

export interface BodyOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: bigint;
  stop?: string[];
  includeSpecialTokens?: boolean;
  logitBias?: Record<number, number>;
}

export function chatBody(userText: string, o: BodyOptions = {}): InferenceBody {
  return create(InferenceBodySchema, {
    model: "tiny-llama",
    input: { case: "chat", value: { messages: [{ role: "user", content: userText }] } },
    sampling: {
      maxTokens: o.maxTokens ?? 0,
      temperature: o.temperature ?? 0,
      topP: o.topP,
      seed: o.seed,
      stop: o.stop ?? [],
      includeSpecialTokens: o.includeSpecialTokens ?? false,
      logitBias: o.logitBias ?? {},
    },
  });
}

export function promptBody(prompt: string, o: BodyOptions = {}): InferenceBody {
  return create(InferenceBodySchema, {
    model: "tiny-llama",
    input: { case: "prompt", value: prompt },
    sampling: {
      maxTokens: o.maxTokens ?? 0,
      temperature: o.temperature ?? 0,
      topP: o.topP,
      seed: o.seed,
      stop: o.stop ?? [],
      includeSpecialTokens: o.includeSpecialTokens ?? false,
      logitBias: o.logitBias ?? {},
    },
  });
}

/** Collects deltas; `text` is the concatenation, `tokens` the sum of token counts. */
export function collector(): {
  onDelta: (d: GenerationDelta) => void;
  text: () => string;
  tokens: () => number;
} {
  let text = "";
  let tokens = 0;
  return {
    onDelta: (d) => {
      text += d.text;
      tokens += d.tokenCount;
    },
    text: () => text,
    tokens: () => tokens,
  };
}

export interface GreedyRun {
  text: string;
  tokens: number;
}

/**
 * Greedy completions of `prompts` (max `maxTokens` each), first one at a time and then all at
 * once, so a test can check that continuous batching gives each request its solo tokens.
 */
export async function soloAndTogether(
  engine: ModelEngine,
  prompts: readonly string[],
  maxTokens = 12,
): Promise<{
  run: (prompt: string) => Promise<GreedyRun>;
  solo: GreedyRun[];
  together: GreedyRun[];
}> {
  const never = new AbortController().signal;
  const run = async (prompt: string): Promise<GreedyRun> => {
    const c = collector();
    const r = await engine.generate(promptBody(prompt, { maxTokens }), c.onDelta, never);
    return { text: c.text(), tokens: r.completionTokens };
  };
  const solo: GreedyRun[] = [];
  for (const p of prompts) solo.push(await run(p));
  const together = await Promise.all(prompts.map(run));
  return { run, solo, together };
}
