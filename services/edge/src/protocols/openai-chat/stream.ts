import type { ToolCallDelta } from "@darkbloom/proto";
import type { EdgeError } from "../../errors/edge-error.js";
import type {
  DeltaEvent,
  DoneEvent,
  SseEvent,
  StreamTranslator,
} from "../../core/stream-translator.js";
import { openAiFinishReason } from "../../core/openai-shared/finish-reason.js";
import { openAiStreamError, openAiUsage } from "../../core/openai-shared/openai-shapes.js";
import type { ResponseMeta } from "../../core/response-meta.js";

/** A text chunk's event: its JSON as written; `data` is parsed back from it only when read. */
class TextChunkEvent implements SseEvent {
  constructor(readonly json: string) {}

  get data(): unknown {
    return JSON.parse(this.json) as unknown;
  }
}

interface ChunkToolCall {
  index: number;
  id?: string;
  type?: "function";
  function: { name?: string; arguments: string };
}

/**
 * `chat.completion.chunk` events: a role chunk, content and `tool_calls` deltas (id, type and
 * name on a call's first delta only), a finish chunk, and usage — in a separate `choices: []`
 * chunk when `include_usage` was asked for, otherwise on the finish chunk itself.
 */
export class ChatStreamTranslator implements StreamTranslator {
  readonly doneSentinel = true;
  readonly #seenCalls = new Set<number>();
  /** A text delta's JSON around its JSON-encoded text (#chunk's keys, in its order). */
  #textJson: { head: string; tail: string } | undefined;

  constructor(
    private readonly meta: ResponseMeta,
    private readonly includeUsage: boolean,
  ) {}

  start(): SseEvent[] {
    return [this.#chunk({ role: "assistant", content: "" }, null)];
  }

  delta(ev: DeltaEvent): SseEvent[] {
    if (ev.toolCalls.length === 0) {
      if (!ev.text) return [];
      // The usual chunk: serialised from a template, only the text encoded per event.
      const t = (this.#textJson ??= this.#textTemplate());
      return [new TextChunkEvent(t.head + JSON.stringify(ev.text) + t.tail)];
    }
    const delta: Record<string, unknown> = {};
    if (ev.text) delta.content = ev.text;
    if (ev.toolCalls.length > 0) delta.tool_calls = ev.toolCalls.map((d) => this.#toolCall(d));
    return Object.keys(delta).length > 0 ? [this.#chunk(delta, null)] : [];
  }

  done(ev: DoneEvent): SseEvent[] {
    const usage = openAiUsage(ev.promptTokens, ev.completionTokens, ev.costMicroUsd);
    const finish = this.#chunk({}, openAiFinishReason(ev.finishReason));
    if (!this.includeUsage) return [{ data: { ...(finish.data as object), usage } }];
    return [finish, { data: { ...this.#base(), choices: [], usage } }];
  }

  error(err: EdgeError): SseEvent[] {
    return openAiStreamError(err);
  }

  /** JSON.stringify of a text chunk, cut at its text (the last field holding anything variable). */
  #textTemplate(): { head: string; tail: string } {
    const marker = "\u0000";
    const json = JSON.stringify(this.#chunk({ content: marker }, null).data);
    const at = json.lastIndexOf(JSON.stringify(marker));
    return { head: json.slice(0, at), tail: json.slice(at + JSON.stringify(marker).length) };
  }

  #toolCall(d: ToolCallDelta): ChunkToolCall {
    if (this.#seenCalls.has(d.index))
      return { index: d.index, function: { arguments: d.argumentsDelta } };
    this.#seenCalls.add(d.index);
    return {
      index: d.index,
      id: d.id,
      type: "function",
      function: { name: d.name, arguments: d.argumentsDelta },
    };
  }

  #base() {
    return {
      id: this.meta.id,
      object: "chat.completion.chunk" as const,
      created: this.meta.createdUnix,
      model: this.meta.model,
      system_fingerprint: null,
    };
  }

  /** One chunk, written out rather than spread from #base (the same keys in the same order). */
  #chunk(delta: Record<string, unknown>, finishReason: string | null): SseEvent {
    return {
      data: {
        id: this.meta.id,
        object: "chat.completion.chunk",
        created: this.meta.createdUnix,
        model: this.meta.model,
        system_fingerprint: null,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      },
    };
  }
}
