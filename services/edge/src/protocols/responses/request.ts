import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema } from "@darkbloom/proto";
import { z } from "zod";
import { estimatePromptTokens } from "../../core/prompt-estimate.js";
import { DEFAULT_ROUTING, type InferencePlan } from "../../core/plan.js";
import type { PlainMessage } from "../../core/plain-message.js";
import { parseBody } from "../../core/parse-body.js";
import { responseFormatJson, textFormatSchema } from "../../core/openai-shared/response-format.js";
import { tokenCount } from "../../http/input-limits.js";

const textPart = z.union([
  z.object({ type: z.literal("input_text"), text: z.string() }),
  z.object({ type: z.literal("output_text"), text: z.string() }).passthrough(),
]);

const messageItem = z.object({
  type: z.literal("message").optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(textPart)]),
});

const functionCallItem = z.object({
  type: z.literal("function_call"),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});

const functionCallOutputItem = z.object({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.union([
    z.string(),
    z.array(z.object({ type: z.literal("input_text"), text: z.string() })),
  ]),
});

const functionTool = z.object({
  type: z.literal("function"),
  name: z.string().min(1).max(64),
  description: z.string().nullable().optional(),
  parameters: z.record(z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

export const responseRequestSchema = z.object({
  model: z.string().min(1).max(256),
  input: z.union([
    z.string(),
    z.array(z.union([messageItem, functionCallItem, functionCallOutputItem])).min(1),
  ]),
  instructions: z.string().nullable().optional(),
  max_output_tokens: tokenCount().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  tools: z.array(functionTool).optional(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.object({ type: z.literal("function"), name: z.string() }),
    ])
    .optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  previous_response_id: z
    .null({
      errorMap: () => ({
        message: "responses are not stored; send the whole conversation as input",
      }),
    })
    .optional(),
  store: z.boolean().nullable().optional(),
  metadata: z.record(z.string()).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  user: z.string().optional(),
  text: z.object({ format: textFormatSchema.optional() }).nullable().optional(),
});

export type ResponseRequest = z.infer<typeof responseRequestSchema>;
type InputItem = Exclude<ResponseRequest["input"], string>[number];

export function parseResponseRequest(json: unknown): ResponseRequest {
  return parseBody(responseRequestSchema, json);
}

const joinText = (c: string | ReadonlyArray<{ text: string }>): string =>
  typeof c === "string" ? c : c.map((p) => p.text).join("");

/** Input items as chat messages: instructions lead as system, function calls join the assistant turn. */
export function responseMessages(req: ResponseRequest): PlainMessage[] {
  const out: PlainMessage[] = [];
  const push = (role: string, content: string, toolCallId = ""): PlainMessage => {
    const m = { role, content, toolCallId, toolCalls: [] };
    out.push(m);
    return m;
  };
  if (req.instructions) push("system", req.instructions);
  const items: InputItem[] =
    typeof req.input === "string" ? [{ role: "user", content: req.input }] : req.input;
  for (const item of items) {
    if (item.type === "function_call") {
      const last = out.at(-1);
      const turn = last?.role === "assistant" ? last : push("assistant", "");
      turn.toolCalls.push({ id: item.call_id, name: item.name, argumentsJson: item.arguments });
    } else if (item.type === "function_call_output") {
      push("tool", joinText(item.output), item.call_id);
    } else {
      push(item.role === "developer" ? "system" : item.role, joinText(item.content));
    }
  }
  return out;
}

export function responsePlan(
  req: ResponseRequest,
  defaultMaxTokens: number,
  accountId: string,
): InferencePlan {
  const messages = responseMessages(req);
  const maxTokens = req.max_output_tokens ?? defaultMaxTokens;
  const tools = (req.tools ?? []).map((t) => ({
    name: t.name,
    description: t.description ?? "",
    parametersJson: JSON.stringify(t.parameters ?? {}),
  }));
  const toolChoice =
    req.tool_choice === undefined
      ? ""
      : JSON.stringify(
          typeof req.tool_choice === "string"
            ? req.tool_choice
            : { type: "function", function: { name: req.tool_choice.name } },
        );
  const body = create(InferenceBodySchema, {
    model: req.model,
    accountId,
    input: {
      case: "chat",
      value: {
        messages,
        tools,
        toolChoiceJson: toolChoice,
        responseFormatJson: responseFormatJson(req.text?.format),
      },
    },
    sampling: {
      maxTokens,
      temperature: req.temperature ?? undefined,
      topP: req.top_p ?? undefined,
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
