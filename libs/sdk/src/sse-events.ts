/**
 * The events of a text/event-stream response, each as its text without the blank-line
 * terminator (e.g. `data: {...}`). Leaving the loop early cancels the body.
 */
export async function* sseEvents(res: Response): AsyncGenerator<string> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let at = buffer.indexOf("\n\n"); at >= 0; at = buffer.indexOf("\n\n")) {
      const event = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      if (event) yield event;
    }
  }
  if (buffer.trim()) yield buffer.replace(/\n+$/, "");
}

/** The `data:` field of one SSE event (lines joined with \n), or undefined for comments only. */
export function dataOf(event: string): string | undefined {
  const lines = event
    .split("\n")
    .filter((l) => l.startsWith("data:"))
    .map((l) => l.slice(5).replace(/^ /, ""));
  return lines.length ? lines.join("\n") : undefined;
}
