import type { ServerResponse } from "node:http";

/** Writes a text/event-stream response: `data: <json>` events, comments, and the final [DONE]. */
export class SseWriter {
  private started = false;

  constructor(private readonly res: ServerResponse) {}

  get closed(): boolean {
    return this.res.writableEnded || this.res.destroyed;
  }

  start(headers: Record<string, string>): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...headers,
    });
    this.res.flushHeaders();
  }

  /**
   * Writes one `data:` event (with an `event:` name line when given, as the Responses and
   * Anthropic streams use). Resolves once it is handed to the socket buffer, waiting for drain
   * when that is full.
   */
  async data(payload: unknown, event?: string): Promise<void> {
    const name = event ? `event: ${event}\n` : "";
    await this.write(`${name}data: ${JSON.stringify(payload)}\n\n`);
  }

  async comment(text: string): Promise<void> {
    await this.write(`: ${text}\n\n`);
  }

  async done(): Promise<void> {
    await this.write("data: [DONE]\n\n");
    this.res.end();
  }

  end(): void {
    if (!this.closed) this.res.end();
  }

  private write(text: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.res.write(text)) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        this.res.off("drain", finish);
        this.res.off("close", finish);
        resolve();
      };
      this.res.on("drain", finish);
      this.res.on("close", finish);
    });
  }
}
