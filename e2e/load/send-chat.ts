import OpenAI from "openai";
import { parseTimingHeader } from "../testbed/timing/server-timing.js";
import type { EventBus, RequestRecord } from "../testbed/timing/event-bus.js";
import { streamChatRaw } from "./stream-chat-raw.js";

export interface ChatJob {
  requestId: string;
  model: string;
  prompt: string;
  maxTokens: number;
  stream: boolean;
  /**
   * How a stream is read: the official client (default), or fetch + a raw SSE reader that also
   * reads the edge's closing `: x-timing` comment, which the official client drops.
   */
  streamReader?: "openai" | "raw";
}

/** The OpenAI error code (or type, or class name) of a failure, for records and assertions. */
function errorKind(err: unknown): { status: number; error: string } {
  if (err instanceof OpenAI.APIError) {
    const code: unknown = err.code ?? err.type;
    const status: unknown = err.status;
    return {
      status: typeof status === "number" ? status : 0,
      error: typeof code === "string" && code ? code : err.name,
    };
  }
  return { status: 0, error: err instanceof Error ? err.name : "unknown" };
}

/**
 * Sends one greedy chat completion with the official client, timing it from the client side and
 * publishing `sent`/`headers`/`chunk`/`finished` on the bus. Never throws: failures are recorded.
 */
export async function sendChat(
  client: OpenAI,
  job: ChatJob,
  bus: EventBus,
): Promise<RequestRecord> {
  const t0 = performance.now();
  const at = (): number => performance.now() - t0;
  const record: RequestRecord = {
    requestId: job.requestId,
    startedAtMs: t0,
    stream: job.stream,
    maxTokens: job.maxTokens,
    promptChars: job.prompt.length,
    status: 0,
    chunkMs: [],
    text: "",
    server: [],
  };
  bus.emit({ type: "sent", requestId: job.requestId, atMs: 0 });
  const params = {
    model: job.model,
    messages: [{ role: "user" as const, content: job.prompt }],
    max_tokens: job.maxTokens,
    temperature: 0,
  };
  const options = { headers: { "x-request-id": job.requestId } };
  try {
    if (job.stream && job.streamReader === "raw") {
      await streamChatRaw(client, params, job.requestId, record, at, bus);
    } else if (job.stream) {
      const { data, response } = await client.chat.completions
        .create({ ...params, stream: true, stream_options: { include_usage: true } }, options)
        .withResponse();
      onHeaders(record, response, at(), bus);
      for await (const chunk of data) {
        const text = chunk.choices[0]?.delta.content ?? "";
        if (text) {
          const t = at();
          record.firstTokenMs ??= t;
          record.chunkMs.push(t);
          record.text += text;
          bus.emit({
            type: "chunk",
            requestId: job.requestId,
            atMs: t,
            index: record.chunkMs.length - 1,
          });
        }
        record.finishReason = chunk.choices[0]?.finish_reason ?? record.finishReason;
        if (chunk.usage)
          record.usage = {
            promptTokens: chunk.usage.prompt_tokens,
            completionTokens: chunk.usage.completion_tokens,
          };
      }
    } else {
      const { data, response } = await client.chat.completions
        .create(params, options)
        .withResponse();
      onHeaders(record, response, at(), bus);
      record.text = data.choices[0]?.message.content ?? "";
      record.finishReason = data.choices[0]?.finish_reason ?? undefined;
      if (data.usage)
        record.usage = {
          promptTokens: data.usage.prompt_tokens,
          completionTokens: data.usage.completion_tokens,
        };
    }
    record.completeMs = at();
  } catch (err) {
    const kind = errorKind(err);
    record.error = kind.error;
    if (record.status === 0) record.status = kind.status;
    record.completeMs = at();
  }
  bus.emit({ type: "finished", record });
  return record;
}

function onHeaders(record: RequestRecord, response: Response, atMs: number, bus: EventBus): void {
  record.status = response.status;
  record.headersMs = atMs;
  record.providerId = response.headers.get("x-darkbloom-provider") ?? undefined;
  record.server = parseTimingHeader(response.headers.get("x-timing"));
  bus.emit({ type: "headers", requestId: record.requestId, atMs, status: response.status });
}
