import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The "direct" baseline of the overhead benchmark: an OpenAI-compatible streaming endpoint that
 * answers every chat completion at once with the given pieces (the same scripted answer the fake
 * providers give behind the coordinator), in the chunk shape the edge writes. No auth, no money,
 * no routing: what a client would see from the fastest possible upstream on loopback.
 */
export interface FakeOpenAiUpstream {
  /** Base URL ending in /v1. */
  url: string;
  close(): Promise<void>;
}

export async function startFakeOpenAiUpstream(
  pieces: readonly string[],
  /** Milliseconds before each piece (as a fake provider's `pieceDelayMs`); 0: all at once. */
  pieceDelayMs = 0,
): Promise<FakeOpenAiUpstream> {
  let n = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, pieceDelayMs);
    timers.add(t);
  };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(parts).toString("utf8")) as { model?: string };
      const id = `chatcmpl-fake-${n++}`;
      const created = Math.floor(Date.now() / 1000);
      const chunk = (delta: object, finish: string | null, usage?: object): string =>
        `data: ${JSON.stringify({
          id,
          object: "chat.completion.chunk",
          created,
          model: body.model ?? "",
          choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
          ...(usage ? { usage } : {}),
        })}\n\n`;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      res.write(chunk({ role: "assistant", content: "" }, null));
      const finish = (): void => {
        res.write(chunk({}, "stop"));
        res.write(
          chunk({}, null, {
            prompt_tokens: 3,
            completion_tokens: pieces.length,
            total_tokens: 3 + pieces.length,
          }),
        );
        res.end("data: [DONE]\n\n");
      };
      if (pieceDelayMs <= 0) {
        for (const p of pieces) res.write(chunk({ content: p }, null));
        return finish();
      }
      const next = (i: number): void => {
        if (res.destroyed) return;
        if (i === pieces.length) return finish();
        res.write(chunk({ content: pieces[i] }, null));
        later(() => next(i + 1));
      };
      later(() => next(0));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
