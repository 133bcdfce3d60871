import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema } from "@darkbloom/proto";
import { z } from "zod";
import { estimatePromptTokens } from "../../core/prompt-estimate.js";
import { DEFAULT_ROUTING, type InferencePlan } from "../../core/plan.js";
import { parseBody, stopList } from "../../core/parse-body.js";
import { logitBiasSchema, toLogitBias } from "../../core/openai-shared/logit-bias.js";
import { seedSchema, tokenCount } from "../../http/input-limits.js";

const one = (what: string) => ({
  errorMap: () => ({ message: `only ${what} is supported` }),
});

/** The legacy `POST /v1/completions` body (one prompt, one choice). */
export const completionRequestSchema = z.object({
  model: z.string().min(1).max(256),
  prompt: z.union([
    z.string(),
    z
      .array(z.string())
      .length(1, "only a single prompt (a string or a one-element array) is supported"),
  ]),
  max_tokens: tokenCount().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  seed: seedSchema().nullable().optional(),
  logit_bias: logitBiasSchema,
  stop: z.union([z.string(), z.array(z.string()).max(4), z.null()]).optional(),
  n: z.literal(1, one("n=1")).nullable().optional(),
  best_of: z.literal(1, one("best_of=1")).nullable().optional(),
  echo: z.literal(false, one("echo=false")).nullable().optional(),
  logprobs: z.null(one("logprobs=null")).optional(),
  suffix: z.null(one("suffix=null")).optional(),
  stream: z.boolean().nullable().optional(),
  /** vLLM's extension: `false` asks for special tokens (`<|im_start|>`, …) in the text. */
  skip_special_tokens: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().optional(),
});

export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export function parseCompletionRequest(json: unknown): CompletionRequest {
  return parseBody(completionRequestSchema, json);
}

export const promptOf = (req: CompletionRequest): string =>
  typeof req.prompt === "string" ? req.prompt : (req.prompt[0] ?? "");

/** The prompt goes to the provider verbatim (no chat template). */
export function completionPlan(
  req: CompletionRequest,
  defaultMaxTokens: number,
  accountId: string,
): InferencePlan {
  const maxTokens = req.max_tokens ?? defaultMaxTokens;
  const prompt = promptOf(req);
  const body = create(InferenceBodySchema, {
    model: req.model,
    accountId,
    input: { case: "prompt", value: prompt },
    sampling: {
      maxTokens,
      temperature: req.temperature ?? undefined,
      topP: req.top_p ?? undefined,
      seed: req.seed == null ? undefined : BigInt(req.seed),
      stop: stopList(req.stop),
      includeSpecialTokens: req.skip_special_tokens === false,
      logitBias: toLogitBias(req.logit_bias),
    },
  });
  return {
    body,
    maxTokens,
    estimatedPromptTokens: estimatePromptTokens(body),
    stream: req.stream === true,
    routing: DEFAULT_ROUTING,
  };
}
