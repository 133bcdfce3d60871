import http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ForwardInferRequest, ForwardInferResponse } from "@darkbloom/proto";
import { AsyncQueue } from "@darkbloom/routing";
import { decodeForwardInferResponse } from "./peer-chunk-codec.js";
import {
  EnvelopeReader,
  FORWARD_INFER_PATH,
  GRPC_CONTENT_TYPE,
  WireError,
  decodeGrpcMessage,
  envelope,
  isGrpcProto,
} from "./peer-grpc-wire.js";
import { encodeForwardInferRequest } from "./peer-request-codec.js";
import { PEER_SECRET_HEADER } from "./peer-secret.js";

export interface PeerForwardClientOptions {
  secret: string;
  /** A session is pinged this often; no answer within pingTimeoutMs closes it (and its streams). */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Largest event message accepted from a peer. */
  maxMessageBytes: number;
}

/**
 * Per stream and per connection receive windows: many streams' chunks never wait on a window
 * update; the session may hold that much unread (nghttp2's default cap is 10 MB).
 */
const STREAM_WINDOW = 1 << 20;
const SESSION_WINDOW = 16 << 20;
const SESSION_MEMORY_MB = 2 * (SESSION_WINDOW >> 20);

/**
 * ForwardInfer to a peer on the bare HTTP/2 client instead of Connect's transport (per-call header
 * objects, abort signals and several async iterables per message): one h2c session per peer
 * address shared by every forwarded stream, replaced once it closes or receives GOAWAY. The
 * response is Connect's gRPC wire; a non-OK status ends the stream with a ConnectError.
 */
export class PeerForwardClient {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();

  constructor(private readonly options: PeerForwardClientOptions) {}

  forward(
    url: string,
    req: ForwardInferRequest,
    signal: AbortSignal,
  ): AsyncQueue<ForwardInferResponse> {
    const call = new ForwardCall(this.options.maxMessageBytes);
    if (signal.aborted) {
      call.end();
      return call;
    }
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.session(url).request(
        {
          ":method": "POST",
          ":path": FORWARD_INFER_PATH,
          "content-type": GRPC_CONTENT_TYPE,
          te: "trailers",
          [PEER_SECRET_HEADER]: this.options.secret,
        },
        { signal },
      );
    } catch (err) {
      call.fail(new ConnectError(`peer ${url}: ${String(err)}`, Code.Unavailable));
      return call;
    }
    call.attach(stream, url, signal);
    stream.end(envelope(encodeForwardInferRequest(req)));
    return call;
  }

  close(): void {
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
  }

  private session(url: string): http2.ClientHttp2Session {
    const open = this.sessions.get(url);
    if (open && !open.closed && !open.destroyed) return open;
    const session = http2.connect(url, {
      settings: { initialWindowSize: STREAM_WINDOW, enablePush: false },
      maxSessionMemory: SESSION_MEMORY_MB,
    });
    this.sessions.set(url, session);
    const forget = (): void => {
      if (this.sessions.get(url) === session) this.sessions.delete(url);
    };
    // Streams fail on their own; the session is replaced on the next call.
    session.on("error", forget);
    session.once("goaway", forget);
    session.once("close", () => {
      forget();
      clearInterval(ping);
    });
    session.once("connect", () => session.setLocalWindowSize(SESSION_WINDOW));
    const { pingIntervalMs, pingTimeoutMs } = this.options;
    const ping = setInterval(() => {
      if (session.destroyed) return;
      const timeout = setTimeout(() => session.destroy(), pingTimeoutMs);
      timeout.unref();
      const sent = session.ping(() => clearTimeout(timeout));
      if (!sent) clearTimeout(timeout);
    }, pingIntervalMs);
    ping.unref();
    return session;
  }
}

/**
 * One forwarded call's response: the messages as a queue (routing drains it without a promise per
 * message; tests iterate it), the status from the trailers ending it or failing it.
 */
class ForwardCall extends AsyncQueue<ForwardInferResponse> {
  private readonly reader: EnvelopeReader;

  constructor(maxMessageBytes: number) {
    super();
    this.reader = new EnvelopeReader(maxMessageBytes);
  }

  attach(stream: http2.ClientHttp2Stream, url: string, signal: AbortSignal): void {
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
      if (this.isEnded) return;
      try {
        for (const m of this.reader.push(chunk)) this.push(decodeForwardInferResponse(m));
      } catch (err) {
        const e = err instanceof WireError ? err : new WireError(String(err), Code.Internal);
        this.fail(new ConnectError(`peer ${url}: ${e.message}`, e.code));
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    });
    stream.once("trailers", statusOf);
    stream.on("error", (err) => {
      // our own abort: the consumer of this call has gone, nothing to report
      if (signal.aborted) return this.end();
      this.fail(new ConnectError(`peer ${url}: ${String(err)}`, Code.Unavailable));
    });
    stream.once("close", () => {
      if (signal.aborted || this.isEnded) return this.end();
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
