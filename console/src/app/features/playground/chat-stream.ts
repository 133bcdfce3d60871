// A streamed chat completion over fetch (HttpClient buffers; a stream must be read as it comes):
// POST /v1/chat/completions with `stream: true`, Server-Sent Events parsed line by line, the
// final chunk's `usage` (with `cost` in USD once the ledger settled), an AbortSignal to stop.
import { InjectionToken } from "@angular/core";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export type ChatEvent =
  | { type: "delta"; text: string }
  | { type: "usage"; promptTokens: number; completionTokens: number; costUsd: number | null }
  | { type: "error"; message: string };

export const CHAT_FETCH = new InjectionToken<typeof fetch>("CHAT_FETCH", {
  factory: () => globalThis.fetch.bind(globalThis),
});

interface Chunk {
  choices?: Array<{ delta?: { content?: string | null } }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number; cost?: number } | null;
  error?: { message?: string };
}

/** Yields the reply's text as it arrives, then its usage; an error event ends it. */
export async function* streamChat(
  doFetch: typeof fetch,
  url: string,
  headers: Record<string, string>,
  body: { model: string; messages: ChatMessage[]; max_tokens: number },
  signal: AbortSignal,
): AsyncGenerator<ChatEvent> {
  const res = await doFetch(url, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    signal,
  });
  if (!res.ok || res.body === null) {
    yield { type: "error", message: await errorText(res) };
    return;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
        if (!line.startsWith("data:")) continue; // comments (keep-alive, timing), blank lines
        const data = line.slice(5).trim();
        if (data === "[DONE]") return;
        yield* eventsOf(JSON.parse(data) as Chunk);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function* eventsOf(chunk: Chunk): Generator<ChatEvent> {
  if (chunk.error) {
    yield { type: "error", message: chunk.error.message ?? "The stream failed." };
    return;
  }
  const text = chunk.choices?.[0]?.delta?.content;
  if (text) yield { type: "delta", text };
  if (chunk.usage) {
    yield {
      type: "usage",
      promptTokens: chunk.usage.prompt_tokens ?? 0,
      completionTokens: chunk.usage.completion_tokens ?? 0,
      costUsd: typeof chunk.usage.cost === "number" ? chunk.usage.cost : null,
    };
  }
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    // not JSON
  }
  return `The coordinator answered ${res.status}.`;
}
