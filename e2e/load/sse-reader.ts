/** One server-sent event or comment, as read off the wire. */
export type SseItem =
  { kind: "data"; data: string; event?: string } | { kind: "comment"; text: string };

/**
 * Parses a text/event-stream body into events and comments (the official clients drop comments,
 * so the edge's final `: x-timing …` line is only visible to a raw reader like this one).
 * Multi-line `data:` fields are joined with "\n"; `id:`/`retry:` fields are ignored.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseItem> {
  const decoder = new TextDecoder();
  let buffered = "";
  let data: string[] = [];
  let event: string | undefined;
  const flush = (): SseItem | undefined => {
    if (data.length === 0) return undefined;
    const item: SseItem = { kind: "data", data: data.join("\n"), ...(event ? { event } : {}) };
    data = [];
    event = undefined;
    return item;
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffered += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const lines = buffered.split(/\r?\n/);
      buffered = done ? "" : (lines.pop() ?? "");
      for (const line of lines) {
        if (line === "") {
          const item = flush();
          if (item) yield item;
        } else if (line.startsWith(":")) {
          yield { kind: "comment", text: line.slice(1).trimStart() };
        } else {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "data") data.push(value);
          else if (field === "event") event = value;
        }
      }
      if (done) {
        const item = flush();
        if (item) yield item;
        return;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
