// Renders an InferenceBody's chat through the model's own Jinja chat template.
import { Template } from "@huggingface/jinja";
import type { ChatInput } from "@darkbloom/proto";
import { EngineError } from "../errors.js";

export interface TemplateTokens {
  bosToken: string;
  eosToken: string;
}

function parseJson(text: string, what: string): unknown {
  if (text === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new EngineError("invalid_input", `${what} is not valid JSON`, { cause });
  }
}

/** OpenAI-shaped messages/tools, with JSON arguments parsed as HF templates expect. */
export function templateContext(chat: ChatInput): Record<string, unknown> {
  const messages = chat.messages.map((m) => ({
    role: m.role,
    content: m.content,
    ...(m.name ? { name: m.name } : {}),
    ...(m.toolCallId ? { tool_call_id: m.toolCallId } : {}),
    ...(m.toolCalls.length > 0
      ? {
          tool_calls: m.toolCalls.map((tc) => ({
            id: tc.id,
            type: "function",
            function: {
              name: tc.name,
              arguments: parseJson(tc.argumentsJson, "tool call arguments"),
            },
          })),
        }
      : {}),
  }));
  const tools = chat.tools.map((t) => ({
    type: "function",
    function: {
      name: t.name,
      description: t.description,
      parameters: parseJson(t.parametersJson, "tool parameters"),
    },
  }));
  return { messages, ...(tools.length > 0 ? { tools } : {}) };
}

/** Template variables beyond the chat, as HF's apply_chat_template passes them. */
export interface RenderOptions {
  /** Qwen3's `enable_thinking`: false renders an empty <think></think> block; unset leaves it out. */
  enableThinking?: boolean;
}

export class ChatTemplate {
  readonly #template: Template;
  readonly #tokens: TemplateTokens;

  constructor(source: string, tokens: TemplateTokens) {
    try {
      this.#template = new Template(source);
    } catch (cause) {
      throw new EngineError("unsupported_model", "chat template does not parse", { cause });
    }
    this.#tokens = tokens;
  }

  render(chat: ChatInput, options: RenderOptions = {}): string {
    if (chat.messages.length === 0) throw new EngineError("invalid_input", "no messages");
    try {
      return this.#template.render({
        ...templateContext(chat),
        add_generation_prompt: true,
        bos_token: this.#tokens.bosToken,
        eos_token: this.#tokens.eosToken,
        ...(options.enableThinking === undefined
          ? {}
          : { enable_thinking: options.enableThinking }),
      });
    } catch (cause) {
      if (cause instanceof EngineError) throw cause;
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new EngineError("invalid_input", `chat template failed: ${detail}`, { cause });
    }
  }
}
