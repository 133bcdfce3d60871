// A state machine over open output items; longer than most files because the event sequence
// (item added → part added → deltas → done events) is one protocol and reads best in one place.
import type { ToolCallDelta } from "@darkbloom/proto";
import { openAiErrorBody, type EdgeError } from "../../errors/edge-error.js";
import type { ResponseMeta } from "../../core/response-meta.js";
import type {
  DeltaEvent,
  DoneEvent,
  SseEvent,
  StreamTranslator,
} from "../../core/stream-translator.js";
import {
  finalStatus,
  itemId,
  outputText,
  responseObject,
  responseUsage,
  type FunctionCallItem,
  type ItemStatus,
  type MessageItem,
  type OutputItem,
} from "./response.js";
import type { ResponseRequest } from "./request.js";

type Open =
  | { kind: "message"; index: number; item: MessageItem }
  | { kind: "call"; index: number; callIndex: number; item: FunctionCallItem }
  | null;

/**
 * The Responses API stream: `response.created`, `response.in_progress`, then per output item
 * `output_item.added` (+ `content_part.added`), deltas (`output_text.delta` or
 * `function_call_arguments.delta`), their `.done` events and `output_item.done`, and finally
 * `response.completed` (or `response.incomplete` at the token limit) with usage. Every event
 * carries an increasing `sequence_number`.
 */
export class ResponseStreamTranslator implements StreamTranslator {
  readonly doneSentinel = false;
  readonly #items: OutputItem[] = [];
  #open: Open = null;
  #seq = 0;

  constructor(
    private readonly meta: ResponseMeta,
    private readonly req: ResponseRequest,
  ) {}

  start(): SseEvent[] {
    const response = responseObject(this.meta, this.req, "in_progress", [], null);
    return [
      this.#event("response.created", { response }),
      this.#event("response.in_progress", { response }),
    ];
  }

  delta(ev: DeltaEvent): SseEvent[] {
    const out: SseEvent[] = [];
    if (ev.text) {
      const msg = this.#open?.kind === "message" ? this.#open : this.#openMessage(out);
      msg.item.content[0]!.text += ev.text;
      out.push(
        this.#event("response.output_text.delta", {
          item_id: msg.item.id,
          output_index: msg.index,
          content_index: 0,
          delta: ev.text,
          logprobs: [],
        }),
      );
    }
    for (const d of ev.toolCalls) this.#toolCallDelta(d, out);
    return out;
  }

  done(ev: DoneEvent): SseEvent[] {
    const status = finalStatus(ev.finishReason);
    const out: SseEvent[] = [];
    if (this.#items.length === 0) this.#openMessage(out);
    this.#close(out, status);
    const usage = responseUsage(ev.promptTokens, ev.completionTokens);
    const response = responseObject(this.meta, this.req, status, this.#items, usage);
    out.push(this.#event(`response.${status}`, { response }));
    return out;
  }

  /** `response.failed`, then an `error` event the openai client raises as an APIError. */
  error(err: EdgeError): SseEvent[] {
    const code = err.code ?? err.type;
    const response = responseObject(this.meta, this.req, "failed", this.#items, null, {
      code,
      message: err.message,
    });
    const failed = this.#event("response.failed", { response });
    const body = openAiErrorBody(err);
    const error = this.#event("error", { code, message: err.message, param: err.param, ...body });
    return [failed, error];
  }

  #toolCallDelta(d: ToolCallDelta, out: SseEvent[]): void {
    let call = this.#open?.kind === "call" && this.#open.callIndex === d.index ? this.#open : null;
    if (!call) {
      this.#close(out, "completed");
      const index = this.#items.length;
      const item: FunctionCallItem = {
        id: itemId(this.meta, "fc", index),
        type: "function_call",
        status: "in_progress",
        call_id: d.id,
        name: d.name,
        arguments: "",
      };
      this.#items.push(item);
      call = { kind: "call", index, callIndex: d.index, item };
      this.#open = call;
      out.push(this.#event("response.output_item.added", { output_index: index, item }));
    }
    if (!d.argumentsDelta) return;
    call.item.arguments += d.argumentsDelta;
    out.push(
      this.#event("response.function_call_arguments.delta", {
        item_id: call.item.id,
        output_index: call.index,
        delta: d.argumentsDelta,
      }),
    );
  }

  #openMessage(out: SseEvent[]): Extract<Open, { kind: "message" }> {
    this.#close(out, "completed");
    const index = this.#items.length;
    const item: MessageItem = {
      id: itemId(this.meta, "msg", index),
      type: "message",
      status: "in_progress",
      role: "assistant",
      content: [],
    };
    this.#items.push(item);
    out.push(this.#event("response.output_item.added", { output_index: index, item }));
    item.content.push(outputText(""));
    out.push(
      this.#event("response.content_part.added", {
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: outputText(""),
      }),
    );
    const open = { kind: "message" as const, index, item };
    this.#open = open;
    return open;
  }

  #close(out: SseEvent[], status: ItemStatus): void {
    const open = this.#open;
    if (!open) return;
    this.#open = null;
    const ids = { item_id: open.item.id, output_index: open.index };
    if (open.kind === "message") {
      open.item.status = status;
      const text = open.item.content[0]?.text ?? "";
      out.push(
        this.#event("response.output_text.done", { ...ids, content_index: 0, text, logprobs: [] }),
        this.#event("response.content_part.done", {
          ...ids,
          content_index: 0,
          part: outputText(text),
        }),
      );
    } else {
      open.item.status = "completed";
      out.push(
        this.#event("response.function_call_arguments.done", {
          ...ids,
          name: open.item.name,
          arguments: open.item.arguments,
        }),
      );
    }
    out.push(
      this.#event("response.output_item.done", {
        output_index: open.index,
        item: structuredClone(open.item),
      }),
    );
  }

  #event(type: string, fields: Record<string, unknown>): SseEvent {
    return { event: type, data: { type, sequence_number: this.#seq++, ...fields } };
  }
}
