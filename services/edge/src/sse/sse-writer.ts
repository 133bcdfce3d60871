import type { ServerResponse } from "node:http";
import { EdgeError } from "../errors/edge-error.js";

/** A consumer whose buffer stays full this long is cut off (DESIGN §3): 499, provider cancelled. */
export const SLOW_CONSUMER_GRACE_MS = 250;

/** Text gathered this long is written at once rather than at the end of the tick. */
const FLUSH_CHARS = 16 * 1024;

/** Writes a text/event-stream response: `data: <json>` events, comments, and the final [DONE]. */
export class SseWriter {
  #started = false;
  /** The socket corked this tick (the response may have let go of it by the tick's end). */
  #corked: { uncork(): void } | undefined;
  /**
   * Events written this tick, not yet handed to the response: one `res.write` per tick (one HTTP
   * chunk, whose size line and CRLFs are 3 more socket writes of their own) instead of one per event.
   */
  #pending = "";

  constructor(
    private readonly res: ServerResponse,
    private readonly slowConsumerGraceMs = SLOW_CONSUMER_GRACE_MS,
  ) {}

  /** Whether the status line and headers were sent (errors must then go in the stream). */
  get started(): boolean {
    return this.#started;
  }

  get closed(): boolean {
    return this.res.writableEnded || this.res.destroyed;
  }

  /**
   * Sends the status line and headers. They leave with the events written in the same tick (the
   * first output, stream-inference.ts) in one socket write rather than a write of their own.
   */
  start(headers: Record<string, string>): void {
    if (this.#started) return;
    this.#started = true;
    this.coalesce();
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
  data(payload: unknown, event?: string): Promise<void> {
    return this.write(eventText(payload, event));
  }

  /**
   * Writes several events in one socket write. Returns undefined when they were handed to the
   * socket buffer at once (the common case: no promise per relayed chunk), else a promise as
   * `data` does (drain, or 499 after the grace window).
   */
  events(
    list: readonly { data: unknown; event?: string; json?: string }[],
  ): Promise<void> | undefined {
    if (list.length === 0) return undefined;
    let text = "";
    for (const e of list)
      text += e.json === undefined ? eventText(e.data, e.event) : jsonEventText(e.json, e.event);
    return this.writeNow(text);
  }

  async comment(text: string): Promise<void> {
    await this.write(`: ${text}\n\n`);
  }

  /**
   * The final `[DONE]` event and the end of the body, in one socket write with anything still
   * corked from this tick; a full buffer is waited on first, as `data` does.
   */
  async done(): Promise<void> {
    if (this.closed || this.res.writableNeedDrain) {
      await this.write("data: [DONE]\n\n");
      this.end();
      return;
    }
    const text = this.#pending + "data: [DONE]\n\n";
    this.#pending = "";
    this.res.end(text);
  }

  end(): void {
    if (this.closed) return;
    this.#writePending();
    this.res.end();
  }

  /**
   * Events written in the same tick (a burst of chunks from one provider read) leave in one
   * socket write: the socket is corked on the first and uncorked on the next tick. After an early
   * `flush`, a cork made in the same tick is uncorked by the first tick's callback: consecutive
   * next-tick callbacks run with nothing in between, so that is no earlier than its own would be.
   */
  private coalesce(): void {
    const socket = this.res.socket;
    if (this.#corked || !socket) return;
    this.#corked = socket;
    socket.cork();
    process.nextTick(this.#flushTick);
  }

  readonly #flushTick = (): void => this.flush();

  /**
   * Hands what this tick wrote so far to the socket now, rather than at the tick's end; later
   * writes of the tick coalesce again. For the first token: read in one burst with the rest of
   * the answer, it would otherwise wait for the whole burst to be relayed.
   */
  flush(): void {
    const socket = this.#corked;
    this.#corked = undefined;
    this.#writePending();
    socket?.uncork();
  }

  /** Hands the text gathered this tick to the response; false: its buffer is now full. */
  #writePending(): boolean {
    const text = this.#pending;
    if (text === "") return true;
    this.#pending = "";
    if (this.closed) return true;
    return this.res.write(text);
  }

  private write(text: string): Promise<void> {
    return this.writeNow(text) ?? Promise.resolve();
  }

  /** Undefined when written (or the response is closed); a promise while the buffer is full. */
  private writeNow(text: string): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.coalesce();
    this.#pending += text;
    // Written at the end of the tick, or now once it is large (a writer that never yields to
    // I/O still meets the full buffer); waited on while the buffer is full.
    const room =
      this.#pending.length >= FLUSH_CHARS || !this.#corked
        ? this.#writePending()
        : !this.res.writableNeedDrain;
    if (room) return undefined;
    // Full buffer: one grace window to drain, then the request fails with 499 (the caller's
    // abort cancels the provider) — chunks are never dropped silently.
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.res.off("drain", finish);
        this.res.off("close", finish);
        resolve();
      };
      const timer = setTimeout(() => {
        this.res.off("drain", finish);
        this.res.off("close", finish);
        this.res.destroy();
        reject(
          new EdgeError(
            499,
            "request_cancelled",
            "slow_consumer",
            `the client did not read the stream for ${this.slowConsumerGraceMs} ms`,
          ),
        );
      }, this.slowConsumerGraceMs);
      this.res.on("drain", finish);
      this.res.on("close", finish);
    });
  }
}

function eventText(payload: unknown, event: string | undefined): string {
  return jsonEventText(JSON.stringify(payload), event);
}

function jsonEventText(json: string, event: string | undefined): string {
  const name = event ? `event: ${event}\n` : "";
  return `${name}data: ${json}\n\n`;
}
