import http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ForwardInferResponse } from "@darkbloom/proto";
import { AsyncQueue } from "@darkbloom/routing";
import { decodeForwardInferResponse } from "./peer-chunk-codec.js";
import { EnvelopeReader, WireError, decodeGrpcMessage, isGrpcProto } from "./peer-grpc-wire.js";

/**
 * One forwarded call's response: the messages as a queue (routing drains it without a promise per
 * message; tests iterate it), the status from the trailers ending it or failing it. A prepared
 * call listens from the moment its stream opens; until `start` anything the stream reports means
 * it is lost (`onLost`), and nothing reaches the queue.
 */
export class ForwardCall extends AsyncQueue<ForwardInferResponse> {
  private readonly reader: EnvelopeReader;
  private stream: http2.ClientHttp2Stream | undefined;
  private signal: AbortSignal | undefined;
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
    return !this.lost && this.stream !== undefined && !this.stream.closed && !this.stream.destroyed;
  }

  /** Closes a prepared stream that will carry no call. */
  discard(): void {
    this.lost = true;
    const s = this.stream;
    if (s && !s.closed && !s.destroyed) s.close(http2.constants.NGHTTP2_CANCEL);
  }

  /**
   * Sends the request message; aborting `signal` closes the stream (cancelled at the peer).
   * `answered` runs once, when the first response message arrives or the stream closes (the
   * owner sends its response headers as soon as it has dispatched, before the provider answers).
   */
  start(signal: AbortSignal, message: Buffer, answered?: () => void): void {
    const stream = this.stream;
    if (!stream) return;
    this.signal = signal;
    if (answered) {
      let once = false;
      const run = (): void => {
        if (once) return;
        once = true;
        answered();
      };
      stream.once("data", run);
      stream.once("close", run);
    }
    const onAbort = (): void => {
      if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    stream.once("close", () => signal.removeEventListener("abort", onAbort));
    stream.end(message);
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

  attach(stream: http2.ClientHttp2Stream, url: string): void {
    this.stream = stream;
    let status: { code: number; message: string } | undefined;
    const statusOf = (h: http2.IncomingHttpHeaders): void => {
      const code = h["grpc-status"];
      if (typeof code !== "string") return;
      const message = h["grpc-message"];
      status = {
        code: Number(code),
        message: typeof message === "string" ? decodeGrpcMessage(message) : "",
      };
    };
    stream.once("response", (h) => {
      if (this.early()) return;
      if (h[":status"] !== 200 || !isGrpcProto(h["content-type"])) {
        this.fail(
          new ConnectError(
            `peer ${url} answered HTTP ${h[":status"]} ${String(h["content-type"])}`,
            Code.Unavailable,
          ),
        );
        stream.close(http2.constants.NGHTTP2_CANCEL);
        return;
      }
      statusOf(h); // trailers-only
    });
    stream.on("data", (chunk: Buffer) => {
      if (this.early() || this.isEnded) return;
      try {
        for (const m of this.reader.push(chunk)) this.push(decodeForwardInferResponse(m));
      } catch (err) {
        const e = err instanceof WireError ? err : new WireError(String(err), Code.Internal);
        this.fail(new ConnectError(`peer ${url}: ${e.message}`, e.code));
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    });
    stream.once("trailers", (h: http2.IncomingHttpHeaders) => {
      if (!this.early()) statusOf(h);
    });
    stream.on("error", (err) => {
      if (this.early()) return;
      // our own abort: the consumer of this call has gone, nothing to report
      if (this.signal?.aborted) return this.end();
      this.fail(new ConnectError(`peer ${url}: ${String(err)}`, Code.Unavailable));
    });
    stream.once("close", () => {
      if (this.early()) return;
      if (this.signal?.aborted || this.isEnded) return this.end();
      if (!status)
        return this.fail(
          new ConnectError(
            `peer ${url} closed the stream without a status (code ${stream.rstCode})`,
            Code.Unavailable,
          ),
        );
      if (status.code !== 0) return this.fail(new ConnectError(status.message, status.code));
      if (this.reader.partial > 0)
        return this.fail(new ConnectError(`peer ${url}: truncated message`, Code.DataLoss));
      this.end();
    });
  }
}
