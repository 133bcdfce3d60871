import type { GeneratedOutput } from "../../core/collect-output.js";
import { openAiFinishReason } from "../../core/openai-shared/finish-reason.js";
import { openAiUsage } from "../../core/openai-shared/openai-shapes.js";
import type { ResponseMeta } from "../../core/response-meta.js";

export const completionBase = (meta: ResponseMeta) => ({
  id: meta.id,
  object: "text_completion" as const,
  created: meta.createdUnix,
  model: meta.model,
  system_fingerprint: null,
});

export const completionChoice = (text: string, finishReason: string | null) => ({
  text,
  index: 0,
  logprobs: null,
  finish_reason: finishReason,
});

/** The non-streaming `text_completion` object. */
export function textCompletionBody(meta: ResponseMeta, out: GeneratedOutput) {
  return {
    ...completionBase(meta),
    choices: [completionChoice(out.text, openAiFinishReason(out.finishReason))],
    usage: openAiUsage(out.promptTokens, out.completionTokens, out.costMicroUsd),
  };
}
