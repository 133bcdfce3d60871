import type { ChatInput, InferenceBody } from "@darkbloom/proto";

/** Template tokens allowed per message, tool call and tool (role markers, JSON wrappers). */
const PER_ITEM_TOKENS = 8;
/** Template tokens allowed per request (the generation prompt). */
const PER_REQUEST_TOKENS = 8;

/**
 * The coordinator's own upper bound on a body's prompt tokens, without a tokenizer: byte-level
 * BPE never yields more tokens than UTF-8 bytes, plus a few template tokens per item. Every text
 * the provider's template can render counts (names, tool-call ids and arguments, tool schemas,
 * tool_choice, response_format), so no part of a prompt runs unpaid. Holds and billed prompt
 * tokens rest on it (docs/money.md).
 */
export function estimatePromptTokens(body: InferenceBody): number {
  switch (body.input.case) {
    case "chat":
      return PER_REQUEST_TOKENS + chatTokens(body.input.value);
    case "prompt":
      return PER_REQUEST_TOKENS + bytes(body.input.value) + PER_ITEM_TOKENS;
    case undefined:
      return PER_REQUEST_TOKENS;
  }
}

function chatTokens(chat: ChatInput): number {
  let n = bytes(chat.toolChoiceJson) + bytes(chat.responseFormatJson);
  for (const m of chat.messages) {
    n += PER_ITEM_TOKENS + bytes(m.role) + bytes(m.content) + bytes(m.name) + bytes(m.toolCallId);
    for (const c of m.toolCalls)
      n += PER_ITEM_TOKENS + bytes(c.id) + bytes(c.name) + bytes(c.argumentsJson);
  }
  for (const t of chat.tools)
    n += PER_ITEM_TOKENS + bytes(t.name) + bytes(t.description) + bytes(t.parametersJson);
  return n;
}

const bytes = (text: string): number => Buffer.byteLength(text);
