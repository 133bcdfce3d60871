import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema, type InferenceBody } from "@darkbloom/proto";
import { z } from "zod";
import { estimatePromptTokens } from "../../core/prompt-estimate.js";
import { DEFAULT_ROUTING, type InferencePlan } from "../../core/plan.js";
import { parseBody, stopList } from "../../core/parse-body.js";
import { logitBiasSchema, toLogitBias } from "../../core/openai-shared/logit-bias.js";
import { responseFormatSchema } from "../../core/openai-shared/response-format.js";
import { seedSchema, tokenCount } from "../../http/input-limits.js";
import { fastChatRequest } from "./fast-request.js";

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const content = z.union([z.string(), z.array(textPart), z.null()]);

const toolCall = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const message = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content, name: z.string().optional() }),
  z.object({ role: z.literal("developer"), content, name: z.string().optional() }),
  z.object({ role: z.literal("user"), content, name: z.string().optional() }),
  z.object({
    role: z.literal("assistant"),
    content: content.optional(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).optional(),
  }),
  z.object({ role: z.literal("tool"), content, tool_call_id: z.string() }),
]);

const tool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    parameters: z.record(z.unknown()).optional(),
  }),
});

export const chatRequestSchema = z.object({
  model: z.string().min(1).max(256),
  messages: z.array(message).min(1),
  tools: z.array(tool).optional(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
    ])
    .optional(),
  response_format: responseFormatSchema,
  stop: z.union([z.string(), z.array(z.string()).max(4), z.null()]).optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  seed: seedSchema().nullable().optional(),
  logit_bias: logitBiasSchema,
  max_tokens: tokenCount().nullable().optional(),
  max_completion_tokens: tokenCount().nullable().optional(),
  n: z
    .literal(1, { errorMap: () => ({ message: "only n=1 is supported (one choice per request)" }) })
    .nullable()
    .optional(),
  stream: z.boolean().nullable().optional(),
  /** vLLM's extension: `false` asks for special tokens (`<|im_start|>`, …) in the text. */
  skip_special_tokens: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

/**
 * Validates a parsed JSON body; the first problem becomes a 400 naming its field. The common
 * plain-text request is checked without zod (fast-request.ts), anything else by the schema.
 */
export function parseChatRequest(json: unknown): ChatRequest {
  const fast =
    typeof json === "object" && json !== null && !Array.isArray(json)
      ? fastChatRequest(json as Record<string, unknown>)
      : undefined;
  return fast ?? parseBody(chatRequestSchema, json);
}

const flatten = (c: z.infer<typeof content> | undefined): string =>
  typeof c === "string" ? c : (c ?? []).map((p) => p.text).join("");

export function maxTokensOf(req: ChatRequest, fallback: number): number {
  return req.max_completion_tokens ?? req.max_tokens ?? fallback;
}

/** The provider-facing body: roles, tool calls and tools kept intact for the model's own template. */
export function toInferenceBody(
  req: ChatRequest,
  maxTokens: number,
  accountId: string,
): InferenceBody {
  const stop = stopList(req.stop);
  return create(InferenceBodySchema, {
    model: req.model,
    accountId,
    input: {
      case: "chat",
      value: {
        messages: req.messages.map((m) => ({
          role: m.role === "developer" ? "system" : m.role,
          content: flatten(m.content),
          name: "name" in m ? (m.name ?? "") : "",
          toolCallId: m.role === "tool" ? m.tool_call_id : "",
          toolCalls:
            m.role === "assistant"
              ? (m.tool_calls ?? []).map((t) => ({
                  id: t.id,
                  name: t.function.name,
                  argumentsJson: t.function.arguments,
                }))
              : [],
        })),
        tools: (req.tools ?? []).map((t) => ({
          name: t.function.name,
          description: t.function.description ?? "",
          parametersJson: JSON.stringify(t.function.parameters ?? {}),
        })),
        toolChoiceJson: req.tool_choice === undefined ? "" : JSON.stringify(req.tool_choice),
        responseFormatJson:
          req.response_format === undefined ? "" : JSON.stringify(req.response_format),
      },
    },
    sampling: {
      maxTokens,
      temperature: req.temperature ?? undefined,
      topP: req.top_p ?? undefined,
      seed: req.seed == null ? undefined : BigInt(req.seed),
      stop,
      includeSpecialTokens: req.skip_special_tokens === false,
      logitBias: toLogitBias(req.logit_bias),
    },
  });
}

/** The validated chat request as an inference plan. */
export function chatPlan(
  req: ChatRequest,
  defaultMaxTokens: number,
  accountId: string,
): InferencePlan {
  const maxTokens = maxTokensOf(req, defaultMaxTokens);
  const body = toInferenceBody(req, maxTokens, accountId);
  return {
    body,
    maxTokens,
    estimatedPromptTokens: estimatePromptTokens(body),
    stream: req.stream === true,
    routing: DEFAULT_ROUTING,
  };
}
