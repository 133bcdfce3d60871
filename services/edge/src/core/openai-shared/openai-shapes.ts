import { openAiErrorBody, type EdgeError } from "../../errors/edge-error.js";
import type { SseEvent } from "../stream-translator.js";

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** What the request cost in USD, as OpenRouter reports it (present once settled). */
  cost?: number;
}

export const openAiUsage = (
  prompt: number,
  completion: number,
  costMicroUsd?: bigint,
): OpenAiUsage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  ...(costMicroUsd === undefined ? {} : { cost: Number(costMicroUsd) / 1_000_000 }),
});

/** A mid-stream failure as OpenAI clients expect it: a final `data:` event with an `error`. */
export const openAiStreamError = (err: EdgeError): SseEvent[] => [{ data: openAiErrorBody(err) }];
