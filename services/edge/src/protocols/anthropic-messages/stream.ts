import type { ToolCallDelta } from "@darkbloom/proto";
import { anthropicErrorBody } from "../../errors/anthropic-error.js";
import type { EdgeError } from "../../errors/edge-error.js";
import type { ResponseMeta } from "../../core/response-meta.js";
import type {
  DeltaEvent,
  DoneEvent,
  SseEvent,
  StreamTranslator,
} from "../../core/stream-translator.js";
import { anthropicStopReason, messageEnvelope } from "./response.js";

type OpenBlock =
  { kind: "text"; index: number } | { kind: "tool"; index: number; callIndex: number };

const ev = (type: string, fields: Record<string, unknown> = {}): SseEvent => ({
  event: type,
  data: { type, ...fields },
});

/**
 * Anthropic's stream: `message_start`, `ping`, per content block `content_block_start` →
 * `content_block_delta` (`text_delta` / `input_json_delta`) → `content_block_stop`, then
 * `message_delta` (stop_reason, stop_sequence, usage) and `message_stop`. The provider reports the
 * prompt's token count in its first chunk, so `message_start` waits for that chunk (or the end)
 * and carries the real `input_tokens`; keep-alive comments cover the wait.
 */
export class MessageStreamTranslator implements StreamTranslator {
  readonly doneSentinel = false;
  #open: OpenBlock | null = null;
  #blocks = 0;
  #started = false;

  constructor(private readonly meta: ResponseMeta) {}

  start(): SseEvent[] {
    return [];
  }

  #messageStart(inputTokens: number, out: SseEvent[]): void {
    if (this.#started) return;
    this.#started = true;
    const message = {
      ...messageEnvelope(this.meta),
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: 0 },
    };
    out.push(ev("message_start", { message }), ev("ping"));
  }

  delta(d: DeltaEvent): SseEvent[] {
    const out: SseEvent[] = [];
    this.#messageStart(d.promptTokens, out);
    if (d.text) {
      const index = this.#open?.kind === "text" ? this.#open.index : this.#openText(out);
      out.push(ev("content_block_delta", { index, delta: { type: "text_delta", text: d.text } }));
    }
    for (const call of d.toolCalls) this.#toolDelta(call, out);
    return out;
  }

  done(d: DoneEvent): SseEvent[] {
    const out: SseEvent[] = [];
    this.#messageStart(d.promptTokens, out);
    if (this.#blocks === 0) this.#openText(out);
    this.#close(out);
    out.push(
      ev("message_delta", {
        delta: {
          stop_reason: anthropicStopReason(d.finishReason, d.stopSequence),
          stop_sequence: d.stopSequence ?? null,
        },
        usage: { input_tokens: d.promptTokens, output_tokens: d.completionTokens },
      }),
      ev("message_stop"),
    );
    return out;
  }

  error(err: EdgeError): SseEvent[] {
    return [{ event: "error", data: anthropicErrorBody(err) }];
  }

  #toolDelta(call: ToolCallDelta, out: SseEvent[]): void {
    let index: number;
    if (this.#open?.kind === "tool" && this.#open.callIndex === call.index)
      index = this.#open.index;
    else {
      this.#close(out);
      index = this.#blocks++;
      this.#open = { kind: "tool", index, callIndex: call.index };
      out.push(
        ev("content_block_start", {
          index,
          content_block: { type: "tool_use", id: call.id, name: call.name, input: {} },
        }),
      );
    }
    if (call.argumentsDelta) {
      out.push(
        ev("content_block_delta", {
          index,
          delta: { type: "input_json_delta", partial_json: call.argumentsDelta },
        }),
      );
    }
  }

  #openText(out: SseEvent[]): number {
    this.#close(out);
    const index = this.#blocks++;
    this.#open = { kind: "text", index };
    out.push(ev("content_block_start", { index, content_block: { type: "text", text: "" } }));
    return index;
  }

  #close(out: SseEvent[]): void {
    if (!this.#open) return;
    out.push(ev("content_block_stop", { index: this.#open.index }));
    this.#open = null;
  }
}
