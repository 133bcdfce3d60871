/** A header list as received: names lowercase, a repeated name's values joined with ", ". */
export type H2Headers = Record<string, string>;

/** How a stream ended: both sides done, reset (by the peer or by us), or its connection lost. */
export type StreamEnd =
  | { kind: "done" }
  | { kind: "reset"; code: number; by: "peer" | "us" }
  | { kind: "lost"; error: Error };

/** What the connection needs from a stream to send and to account for it. */
export interface StreamOwner {
  sendData(stream: H2cStream): void;
  reset(stream: H2cStream, code: number): void;
}

/**
 * One request stream of an h2c connection, client side. The connection calls the `on*` handlers
 * as frames arrive; `end` sends the request body (subject to flow control) and `reset` abandons
 * the stream. After `onEnd` nothing else is called.
 */
export class H2cStream {
  onResponse: (headers: H2Headers) => void = () => undefined;
  onData: (chunk: Buffer) => void = () => undefined;
  onTrailers: (headers: H2Headers) => void = () => undefined;
  onEnd: (end: StreamEnd) => void = () => undefined;

  /** Bytes the peer lets us send before its next WINDOW_UPDATE. */
  sendWindow: number;
  /** Body bytes not yet sent (flow control), and whether END_STREAM follows them. */
  pending: Buffer[] = [];
  pendingBytes = 0;
  endQueued = false;
  localEnded = false;
  remoteEnded = false;
  responded = false;
  /** Bytes received since our last WINDOW_UPDATE for this stream. */
  unacknowledged = 0;
  private ended: StreamEnd | undefined;

  constructor(
    readonly id: number,
    sendWindow: number,
    private readonly owner: StreamOwner,
  ) {
    this.sendWindow = sendWindow;
  }

  get closed(): boolean {
    return this.ended !== undefined;
  }

  /** Sends `body` and ends the request (END_STREAM), as the peer's windows allow. */
  end(body?: Uint8Array): void {
    if (this.closed || this.endQueued) return;
    if (body && body.length > 0) {
      this.pending.push(Buffer.from(body.buffer, body.byteOffset, body.length));
      this.pendingBytes += body.length;
    }
    this.endQueued = true;
    this.owner.sendData(this);
  }

  /** Abandons the stream: RST_STREAM to the peer (CANCEL unless told otherwise), onEnd at once. */
  reset(code: number): void {
    if (!this.closed) this.owner.reset(this, code);
  }

  /** Up to `max` bytes of the body not yet sent, taken from the pending ones. */
  takeBody(max: number): Buffer {
    if (this.pendingBytes <= max) {
      const all =
        this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      return all;
    }
    const joined = Buffer.concat(this.pending);
    this.pending = [joined.subarray(max)];
    this.pendingBytes = joined.length - max;
    return joined.subarray(0, max);
  }

  /** Called by the connection, once. */
  finish(end: StreamEnd): void {
    if (this.ended) return;
    this.ended = end;
    this.pending = [];
    this.pendingBytes = 0;
    this.onEnd(end);
  }
}
