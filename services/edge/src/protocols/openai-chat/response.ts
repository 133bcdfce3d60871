import type { GeneratedOutput } from "../../core/collect-output.js";
import { openAiFinishReason } from "../../core/openai-shared/finish-reason.js";
import { openAiUsage } from "../../core/openai-shared/openai-shapes.js";
import type { ResponseMeta } from "../../core/response-meta.js";

/** The non-streaming `chat.completion` object. */
export function chatCompletionBody(meta: ResponseMeta, out: GeneratedOutput) {
  const toolCalls = out.toolCalls.map((c) => ({
    id: c.id,
    type: "function" as const,
    function: { name: c.name, arguments: c.argumentsJson },
  }));
  return {
    id: meta.id,
    object: "chat.completion" as const,
    created: meta.createdUnix,
    model: meta.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant" as const,
          content: toolCalls.length > 0 && out.text === "" ? null : out.text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: openAiFinishReason(out.finishReason),
      },
    ],
    usage: openAiUsage(out.promptTokens, out.completionTokens, out.costMicroUsd),
  };
}
