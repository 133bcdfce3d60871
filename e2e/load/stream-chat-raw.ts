import type OpenAI from "openai";
import type { EventBus, RequestRecord } from "../testbed/timing/event-bus.js";
import { parseTimingHeader } from "../testbed/timing/server-timing.js";
import { readSse } from "./sse-reader.js";

interface StreamChunk {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  error?: { code?: string | null; type?: string };
}

interface ErrorBody {
  error?: { code?: string | null; type?: string };
}

/**
 * Streams one chat completion with fetch and a raw SSE reader instead of the official client, so
 * the edge's closing `: x-timing` comment (all phases, including those after the headers) is read
 * into `record.server`. Same events and record fields as the official-client path; failures are
 * recorded (HTTP status + error code, or the stream's error event), never thrown.
 */
export async function streamChatRaw(
  client: OpenAI,
  params: Record<string, unknown>,
  requestId: string,
  record: RequestRecord,
  at: () => number,
  bus: EventBus,
): Promise<void> {
  const res = await fetch(`${client.baseURL.replace(/\/$/, "")}/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${client.apiKey}`,
      "content-type": "application/json",
      "x-request-id": requestId,
    },
    body: JSON.stringify({ ...params, stream: true, stream_options: { include_usage: true } }),
    signal: AbortSignal.timeout(client.timeout),
  });
  record.status = res.status;
  record.headersMs = at();
  record.providerId = res.headers.get("x-darkbloom-provider") ?? undefined;
  record.server = parseTimingHeader(res.headers.get("x-timing"));
  bus.emit({ type: "headers", requestId, atMs: record.headersMs, status: res.status });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => ({}))) as ErrorBody;
    record.error = body.error?.code ?? body.error?.type ?? `http_${res.status}`;
    return;
  }
  for await (const item of readSse(res.body)) {
    if (item.kind === "comment") {
      // The final timing replaces the header's: it has every phase, the early ones included.
      if (item.text.startsWith("x-timing ")) record.server = parseTimingHeader(item.text.slice(9));
      continue;
    }
    if (item.data === "[DONE]") continue;
    const chunk = JSON.parse(item.data) as StreamChunk;
    if (chunk.error) {
      record.error = chunk.error.code ?? chunk.error.type ?? "stream_error";
      continue;
    }
    const text = chunk.choices?.[0]?.delta?.content ?? "";
    if (text) {
      const t = at();
      record.firstTokenMs ??= t;
      record.chunkMs.push(t);
      record.text += text;
      bus.emit({ type: "chunk", requestId, atMs: t, index: record.chunkMs.length - 1 });
    }
    record.finishReason = chunk.choices?.[0]?.finish_reason ?? record.finishReason;
    if (chunk.usage)
      record.usage = {
        promptTokens: chunk.usage.prompt_tokens,
        completionTokens: chunk.usage.completion_tokens,
      };
  }
}
