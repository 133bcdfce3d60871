import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema, type InferenceBody } from "@darkbloom/proto";
import { z } from "zod";

const content = z.union([
  z.string(),
  z
    .array(z.object({ type: z.string(), text: z.string().optional() }))
    .transform((parts) => parts.map((p) => p.text ?? "").join("")),
  z.null().transform(() => ""),
]);

const chatSchema = z.object({
  model: z.string(),
  messages: z.array(z.object({ role: z.string(), content: content.default("") })).min(1),
  max_tokens: z.number().int().nonnegative().optional(),
  max_completion_tokens: z.number().int().nonnegative().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  seed: z.number().int().nonnegative().optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
  stream: z.boolean().optional(),
});

export interface LocalChatRequest {
  body: InferenceBody;
  stream: boolean;
}

/** OpenAI chat-completions JSON → InferenceBody, or a message saying what is wrong. */
export function parseChatRequest(
  json: unknown,
  defaultMaxTokens: number,
): LocalChatRequest | string {
  const r = chatSchema.safeParse(json);
  if (!r.success)
    return r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
  const c = r.data;
  return {
    stream: c.stream ?? false,
    body: create(InferenceBodySchema, {
      model: c.model,
      input: { case: "chat", value: { messages: c.messages } },
      sampling: {
        maxTokens: c.max_completion_tokens ?? c.max_tokens ?? defaultMaxTokens,
        temperature: c.temperature,
        topP: c.top_p,
        seed: c.seed === undefined ? undefined : BigInt(c.seed),
        stop: c.stop === undefined ? [] : Array.isArray(c.stop) ? c.stop : [c.stop],
      },
    }),
  };
}
