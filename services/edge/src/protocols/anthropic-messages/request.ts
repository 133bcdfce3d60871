import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema } from "@darkbloom/proto";
import { z } from "zod";
import { estimatePromptTokens } from "../../core/prompt-estimate.js";
import { DEFAULT_ROUTING, type InferencePlan } from "../../core/plan.js";
import type { PlainMessage } from "../../core/plain-message.js";
import { parseBody } from "../../core/parse-body.js";
import { tokenCount } from "../../http/input-limits.js";

const textBlock = z.object({ type: z.literal("text"), text: z.string() }).passthrough();
const toolUseBlock = z.object({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.unknown()),
});
const toolResultBlock = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(textBlock)]).optional(),
  is_error: z.boolean().optional(),
});
const block = z.discriminatedUnion("type", [textBlock, toolUseBlock, toolResultBlock]);

const tool = z.object({
  type: z.literal("custom").optional(),
  name: z.string().min(1).max(64),
  description: z.string().optional(),
  input_schema: z.record(z.unknown()),
});

export const messagesRequestSchema = z.object({
  model: z.string().min(1).max(256),
  max_tokens: tokenCount(),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  messages: z
    .array(
      z.object({
        role: z.enum(["user", "assistant"]),
        content: z.union([z.string(), z.array(block)]),
      }),
    )
    .min(1),
  stop_sequences: z.array(z.string()).max(16).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  tools: z.array(tool).optional(),
  tool_choice: z
    .discriminatedUnion("type", [
      z.object({ type: z.literal("auto") }).passthrough(),
      z.object({ type: z.literal("any") }).passthrough(),
      z.object({ type: z.literal("none") }),
      z.object({ type: z.literal("tool"), name: z.string().min(1) }).passthrough(),
    ])
    .optional(),
  metadata: z.object({ user_id: z.string().nullable().optional() }).optional(),
  stream: z.boolean().optional(),
});

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export function parseMessagesRequest(json: unknown): MessagesRequest {
  return parseBody(messagesRequestSchema, json);
}

const joinText = (c: string | ReadonlyArray<{ text: string }> | undefined): string =>
  typeof c === "string" ? c : (c ?? []).map((b) => b.text).join("");

/**
 * Anthropic turns as chat messages: `system` leads, each `tool_result` becomes a `tool` message
 * (before the user's text of the same turn), `tool_use` blocks become the assistant's tool calls.
 */
export function anthropicMessages(req: MessagesRequest): PlainMessage[] {
  const out: PlainMessage[] = [];
  const system = joinText(req.system);
  if (system) out.push({ role: "system", content: system, toolCallId: "", toolCalls: [] });
  for (const m of req.messages) {
    const blocks =
      typeof m.content === "string" ? [{ type: "text" as const, text: m.content }] : m.content;
    let text = "";
    const toolCalls: PlainMessage["toolCalls"] = [];
    for (const b of blocks) {
      if (b.type === "text") text += b.text;
      else if (b.type === "tool_use")
        toolCalls.push({ id: b.id, name: b.name, argumentsJson: JSON.stringify(b.input) });
      else
        out.push({
          role: "tool",
          content: joinText(b.content),
          toolCallId: b.tool_use_id,
          toolCalls: [],
        });
    }
    if (text || toolCalls.length > 0 || blocks.length === 0)
      out.push({ role: m.role, content: text, toolCallId: "", toolCalls });
  }
  return out;
}

const CHOICE = { auto: "auto", any: "required", none: "none" } as const;

export function messagesPlan(req: MessagesRequest, accountId: string): InferencePlan {
  const messages = anthropicMessages(req);
  const tools = (req.tools ?? []).map((t) => ({
    name: t.name,
    description: t.description ?? "",
    parametersJson: JSON.stringify(t.input_schema),
  }));
  const choice = req.tool_choice;
  const toolChoiceJson = !choice
    ? ""
    : JSON.stringify(
        choice.type === "tool"
          ? { type: "function", function: { name: choice.name } }
          : CHOICE[choice.type],
      );
  const body = create(InferenceBodySchema, {
    model: req.model,
    accountId,
    input: { case: "chat", value: { messages, tools, toolChoiceJson } },
    sampling: {
      maxTokens: req.max_tokens,
      temperature: req.temperature,
      topP: req.top_p,
      stop: req.stop_sequences ?? [],
    },
  });
  return {
    body,
    maxTokens: req.max_tokens,
    estimatedPromptTokens: estimatePromptTokens(body),
    stream: req.stream === true,
    routing: DEFAULT_ROUTING,
  };
}
