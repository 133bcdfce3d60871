import { FinishReason } from "@darkbloom/proto";
import type { GeneratedOutput } from "../../core/collect-output.js";
import type { ResponseMeta } from "../../core/response-meta.js";

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use";

/** Anthropic's stop_reason for how the generation ended (a matched stop string: `stop_sequence`). */
export function anthropicStopReason(reason: FinishReason, stopSequence?: string): StopReason {
  if (reason === FinishReason.STOP && stopSequence) return "stop_sequence";
  switch (reason) {
    case FinishReason.LENGTH:
      return "max_tokens";
    case FinishReason.TOOL_CALLS:
      return "tool_use";
    case FinishReason.STOP:
    case FinishReason.UNSPECIFIED:
    case FinishReason.CANCELLED:
    case FinishReason.ERROR:
      return "end_turn";
  }
}

/** A tool call's arguments as the `input` object Anthropic clients expect. */
export function toolInput(argumentsJson: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(argumentsJson || "{}");
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
    return { value };
  } catch {
    // The model produced arguments that are not JSON: hand them over verbatim rather than fail.
    return { raw_arguments: argumentsJson };
  }
}

export const messageEnvelope = (meta: ResponseMeta) => ({
  id: meta.id,
  type: "message" as const,
  role: "assistant" as const,
  model: meta.model,
});

/** The non-streaming `message` object: a text block (when there is text), then tool_use blocks. */
export function anthropicMessage(meta: ResponseMeta, out: GeneratedOutput) {
  const content: Array<Record<string, unknown>> = [];
  if (out.text || out.toolCalls.length === 0) content.push({ type: "text", text: out.text });
  for (const c of out.toolCalls)
    content.push({ type: "tool_use", id: c.id, name: c.name, input: toolInput(c.argumentsJson) });
  return {
    ...messageEnvelope(meta),
    content,
    stop_reason: anthropicStopReason(out.finishReason, out.stopSequence),
    stop_sequence: out.stopSequence ?? null,
    usage: { input_tokens: out.promptTokens, output_tokens: out.completionTokens },
  };
}
