import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema, type InferenceBody } from "@darkbloom/proto";
import type { ChatCompletionCreateParams } from "./chat-types.js";

const DEFAULT_MAX_TOKENS = 256;

export const maxTokensOf = (p: ChatCompletionCreateParams): number =>
  p.max_completion_tokens ?? p.max_tokens ?? DEFAULT_MAX_TOKENS;

/** Same bound the edge uses: byte-level BPE yields at most one token per UTF-8 byte, plus template tokens. */
export function estimatePromptTokens(p: ChatCompletionCreateParams): number {
  let n = 8;
  for (const m of p.messages) n += new TextEncoder().encode(m.content).length + 8;
  return n;
}

/** The InferenceBody the provider runs (the same message the edge builds in compat mode). */
export function toInferenceBody(p: ChatCompletionCreateParams, accountId: string): InferenceBody {
  const stop = p.stop === undefined ? [] : typeof p.stop === "string" ? [p.stop] : [...p.stop];
  return create(InferenceBodySchema, {
    model: p.model,
    accountId,
    input: {
      case: "chat",
      value: {
        messages: p.messages.map((m) => ({
          role: m.role === "developer" ? "system" : m.role,
          content: m.content,
        })),
      },
    },
    sampling: {
      maxTokens: maxTokensOf(p),
      temperature: p.temperature,
      topP: p.top_p,
      seed: p.seed === undefined ? undefined : BigInt(p.seed),
      stop,
      logitBias: Object.fromEntries(
        Object.entries(p.logit_bias ?? {}).map(([id, bias]) => [Number(id), bias]),
      ),
    },
  });
}
