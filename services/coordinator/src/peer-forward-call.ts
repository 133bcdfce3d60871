import { Code, ConnectError } from "@connectrpc/connect";
import type { ForwardInferResponse } from "@darkbloom/proto";
import { AsyncQueue } from "@darkbloom/routing";
import { decodeForwardInferResponse } from "./peer-chunk-codec.js";
import { EnvelopeReader, WireError, decodeGrpcMessage, isGrpcProto } from "./peer-grpc-wire.js";
import { ErrorCode } from "./peer-h2/frames.js";
import type { H2Headers, H2cStream, StreamEnd } from "./peer-h2/h2c-stream.js";

/** google.rpc.Code's range, which Connect's Code mirrors. */
const isGrpcCode = (n: number): n is Code => Number.isInteger(n) && n >= 0 && n <= 16;

/**
 * One forwarded call's response: the messages as a queue (routing drains it without a promise per
 * message; tests iterate it), the status from the trailers ending it or failing it. A prepared
 * call listens from the moment its stream opens; until `start` anything the stream reports means
 * it is lost (`onLost`), and nothing reaches the queue.
 */
export class ForwardCall extends AsyncQueue<ForwardInferResponse> {
  private readonly reader: EnvelopeReader;
  private stream: H2cStream | undefined;
  private signal: AbortSignal | undefined;
  private answered: (() => void) | undefined;
  /** Stops listening to the call's abort signal. */
  private unlisten: () => void = () => undefined;
  private lost = false;

  constructor(
    maxMessageBytes: number,
    private readonly onLost?: () => void,
  ) {
    super();
    this.reader = new EnvelopeReader(maxMessageBytes);
  }

  /** A prepared stream still open, not answered: it can carry a call. */
  get usable(): boolean {
    return !this.lost && this.stream !== undefined && !this.stream.closed;
  }

  /** Closes a prepared stream that will carry no call. */
  discard(): void {
    this.lost = true;
    this.stream?.reset(ErrorCode.CANCEL);
  }

  /**
   * Sends the request message (written to the socket now); aborting `signal` resets the stream
   * (cancelled at the peer). `answered` runs once, when the first response message arrives or the
   * stream ends (the owner sends its response headers as soon as it has dispatched, before the
   * provider answers).
   */
  start(signal: AbortSignal, message: Buffer, answered?: () => void): void {
    const stream = this.stream;
    if (!stream) return;
    this.signal = signal;
    this.answered = answered;
    const onAbort = (): void => stream.reset(ErrorCode.CANCEL);
    signal.addEventListener("abort", onAbort, { once: true });
    this.unlisten = () => signal.removeEventListener("abort", onAbort);
    stream.end(message);
  }

  private answer(): void {
    const answered = this.answered;
    this.answered = undefined;
    answered?.();
  }

  /** Before `start`: a prepared stream reported something; it is lost. */
  private early(): boolean {
    if (this.signal) return false;
    if (!this.lost) {
      this.lost = true;
      this.onLost?.();
    }
    return true;
  }

  attach(stream: H2cStream, url: string): void {
    this.stream = stream;
    let status: { code: number; message: string } | undefined;
    const statusOf = (h: H2Headers): void => {
      const code = h["grpc-status"];
      if (code === undefined) return;
      const message = h["grpc-message"] === undefined ? "" : decodeGrpcMessage(h["grpc-message"]);
      const n = Number(code);
      status = isGrpcCode(n)
        ? { code: n, message }
        : { code: Code.Unknown, message: `peer ${url} sent grpc-status ${code}: ${message}` };
    };
    stream.onResponse = (h) => {
      if (this.early()) return;
      if (h[":status"] !== "200" || !isGrpcProto(h["content-type"])) {
        this.fail(
          new ConnectError(
            `peer ${url} answered HTTP ${h[":status"]} ${String(h["content-type"])}`,
            Code.Unavailable,
          ),
        );
        stream.reset(ErrorCode.CANCEL);
        return;
      }
      statusOf(h); // trailers-only
    };
    stream.onData = (chunk) => {
      if (this.early() || this.isEnded) return;
      this.answer();
      try {
        for (const m of this.reader.push(chunk)) this.push(decodeForwardInferResponse(m));
      } catch (err) {
        const e = err instanceof WireError ? err : new WireError(String(err), Code.Internal);
        this.fail(new ConnectError(`peer ${url}: ${e.message}`, e.code));
        stream.reset(ErrorCode.CANCEL);
      }
    };
    stream.onTrailers = (h) => {
      if (!this.early()) statusOf(h);
    };
    stream.onEnd = (end) => {
      if (this.early()) return;
      this.unlisten();
      this.answer();
      this.settle(end, status, url);
    };
  }

  private settle(
    end: StreamEnd,
    status: { code: number; message: string } | undefined,
    url: string,
  ): void {
    // our own abort: the consumer of this call has gone, nothing to report
    if (this.signal?.aborted || this.isEnded) return this.end();
    if (end.kind === "lost")
      return this.fail(new ConnectError(`peer ${url}: ${end.error.message}`, Code.Unavailable));
    if (end.kind === "reset" && !status)
      return this.fail(
        new ConnectError(
          `peer ${url} reset the stream (code ${end.code})${end.code === ErrorCode.REFUSED_STREAM ? " before processing it" : ""}`,
          Code.Unavailable,
        ),
      );
    if (!status)
      return this.fail(
        new ConnectError(`peer ${url} closed the stream without a status`, Code.Unavailable),
      );
    if (status.code !== 0) return this.fail(new ConnectError(status.message, status.code));
    if (this.reader.partial > 0)
      return this.fail(new ConnectError(`peer ${url}: truncated message`, Code.DataLoss));
    this.end();
  }
}
