import { FinishReason } from "@darkbloom/proto";
import type { GeneratedOutput } from "../../core/collect-output.js";
import type { ResponseMeta } from "../../core/response-meta.js";
import type { ResponseRequest } from "./request.js";

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export interface OutputText {
  type: "output_text";
  text: string;
  annotations: never[];
  logprobs: never[];
}

export interface MessageItem {
  id: string;
  type: "message";
  status: ItemStatus;
  role: "assistant";
  content: OutputText[];
}

export interface FunctionCallItem {
  id: string;
  type: "function_call";
  status: ItemStatus;
  call_id: string;
  name: string;
  arguments: string;
}

export type OutputItem = MessageItem | FunctionCallItem;

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export const outputText = (text: string): OutputText => ({
  type: "output_text",
  text,
  annotations: [],
  logprobs: [],
});

/** Item ids derived from the response id, so a response's items are stable and unique. */
export const itemId = (meta: ResponseMeta, kind: "msg" | "fc", outputIndex: number): string =>
  `${kind}_${meta.id.replace(/^[a-z]+[-_]/, "")}_${outputIndex}`;

export const responseUsage = (input: number, output: number): ResponseUsage => ({
  input_tokens: input,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: output,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: input + output,
});

/** `completed`, or `incomplete` (reason `max_output_tokens`) when the token limit cut it off. */
export const finalStatus = (reason: FinishReason): "completed" | "incomplete" =>
  reason === FinishReason.LENGTH ? "incomplete" : "completed";

/** The `response` object, echoing the request's settings as OpenAI does. */
export function responseObject(
  meta: ResponseMeta,
  req: ResponseRequest,
  status: ResponseStatus,
  output: readonly OutputItem[],
  usage: ResponseUsage | null,
  error: { code: string; message: string } | null = null,
) {
  return {
    id: meta.id,
    object: "response" as const,
    created_at: meta.createdUnix,
    status,
    error,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" as const } : null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    model: meta.model,
    output: structuredClone(output),
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: null,
    store: false,
    temperature: req.temperature ?? 1,
    text: { format: req.text?.format ?? { type: "text" as const } },
    tool_choice: req.tool_choice ?? "auto",
    tools: (req.tools ?? []).map((t) => ({
      type: "function" as const,
      name: t.name,
      description: t.description ?? null,
      parameters: t.parameters ?? null,
      strict: t.strict ?? true,
    })),
    top_p: req.top_p ?? 1,
    truncation: "disabled" as const,
    usage,
    user: req.user ?? null,
    metadata: req.metadata ?? {},
  };
}

/** The non-streaming response: a message (when there is text or nothing else), then function calls. */
export function completedResponse(meta: ResponseMeta, req: ResponseRequest, out: GeneratedOutput) {
  const status = finalStatus(out.finishReason);
  const items: OutputItem[] = [];
  if (out.text || out.toolCalls.length === 0) {
    items.push({
      id: itemId(meta, "msg", 0),
      type: "message",
      status,
      role: "assistant",
      content: [outputText(out.text)],
    });
  }
  for (const call of out.toolCalls) {
    items.push({
      id: itemId(meta, "fc", items.length),
      type: "function_call",
      status: "completed",
      call_id: call.id,
      name: call.name,
      arguments: call.argumentsJson,
    });
  }
  return responseObject(
    meta,
    req,
    status,
    items,
    responseUsage(out.promptTokens, out.completionTokens),
  );
}
