import { Code, ConnectError } from "@connectrpc/connect";
import type { ForwardInferRequest, ForwardInferResponse } from "@darkbloom/proto";
import { AsyncQueue } from "@darkbloom/routing";
import { ForwardCall } from "./peer-forward-call.js";
import { FORWARD_INFER_PATH, GRPC_CONTENT_TYPE, envelope } from "./peer-grpc-wire.js";
import { encodeForwardInferRequest } from "./peer-request-encode.js";
import { H2cSession } from "./peer-h2/h2c-session.js";
import type { H2cStream } from "./peer-h2/h2c-stream.js";
import { PEER_SECRET_HEADER } from "./peer-secret.js";

export interface PeerForwardClientOptions {
  secret: string;
  /** A session is pinged this often; no answer within pingTimeoutMs closes it (and its streams). */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Largest event message accepted from a peer. */
  maxMessageBytes: number;
  /**
   * A prepared stream (its headers sent, its request not yet) unused this long is closed; keep it
   * well below the peer's DARKBLOOM_REQUEST_TIMEOUT_MS (which resets a stream whose request has
   * not arrived in full). 0: no prepared streams.
   */
  preparedMaxAgeMs: number;
}

/**
 * Per stream and per connection receive windows: many streams' chunks never wait on a window
 * update (what arrives is delivered to the call's queue at once).
 */
const STREAM_WINDOW = 1 << 20;
const SESSION_WINDOW = 16 << 20;
const MAX_HEADER_LIST_BYTES = 64 << 10;

interface Prepared {
  call: ForwardCall;
  session: H2cSession;
  retire: NodeJS.Timeout;
}

/**
 * ForwardInfer to a peer on a lean h2c connection (peer-h2/) instead of Connect's transport
 * (per-call header objects, abort signals and several async iterables per message) or Node's
 * HTTP/2 client (whose frames leave only in the event loop's check phase, after the rest of the
 * turn that forwarded the request): one connection per peer address shared by every forwarded
 * stream, replaced once it closes or receives GOAWAY. The response is Connect's gRPC wire; a
 * non-OK status ends the stream with a ConnectError.
 *
 * Opening a stream (the HEADERS frame, the owner's stream setup and its secret check) is the
 * larger part of the hop's cost, so once a call has its answer the next call's stream is opened
 * ahead (off the path to either call's first token): a forwarded request then sends only its
 * message. At most one prepared stream per peer; one unused for `preparedMaxAgeMs`, or one the
 * peer answered or closed before it was used, is dropped.
 */
export class PeerForwardClient {
  private readonly sessions = new Map<string, H2cSession>();
  private readonly prepared = new Map<string, Prepared>();
  private closed = false;

  constructor(private readonly options: PeerForwardClientOptions) {}

  forward(
    url: string,
    req: ForwardInferRequest,
    signal: AbortSignal,
  ): AsyncQueue<ForwardInferResponse> {
    if (signal.aborted) {
      const call = new ForwardCall(this.options.maxMessageBytes);
      call.end();
      return call;
    }
    let call = this.takePrepared(url);
    if (!call) {
      call = new ForwardCall(this.options.maxMessageBytes);
      try {
        call.attach(this.open(url), url);
      } catch (err) {
        call.fail(new ConnectError(`peer ${url}: ${String(err)}`, Code.Unavailable));
        return call;
      }
    }
    // The next call's stream opens once this one has its answer (or ended): its cost (CPU on
    // this replica and the owner) stays off this call's path to its first token.
    const next =
      this.options.preparedMaxAgeMs > 0 ? () => setImmediate(() => this.prepare(url)) : undefined;
    call.start(signal, envelope(encodeForwardInferRequest(req)), next);
    return call;
  }

  close(): void {
    this.closed = true;
    for (const p of this.prepared.values()) this.drop(p);
    this.prepared.clear();
    for (const session of [...this.sessions.values()]) session.destroy();
    this.sessions.clear();
  }

  private open(url: string): H2cStream {
    const session = this.session(url);
    return session.request([
      [":method", "POST"],
      [":scheme", "http"],
      [":authority", session.authority],
      [":path", FORWARD_INFER_PATH],
      ["content-type", GRPC_CONTENT_TYPE],
      ["te", "trailers"],
      [PEER_SECRET_HEADER, this.options.secret, true],
    ]);
  }

  /** The prepared call for `url`, if its stream is still open on the current session. */
  private takePrepared(url: string): ForwardCall | undefined {
    const p = this.prepared.get(url);
    if (!p) return undefined;
    this.prepared.delete(url);
    clearTimeout(p.retire);
    if (p.session !== this.sessions.get(url) || !p.call.usable) {
      p.call.discard();
      return undefined;
    }
    return p.call;
  }

  /** Opens the next call's stream to `url` ahead of it (one per peer). */
  private prepare(url: string): void {
    if (this.closed || this.prepared.has(url)) return;
    const session = this.sessions.get(url);
    if (!session || session.closed) return;
    const ours = (p: Prepared): boolean => p.call === call;
    // the peer answered, reset or closed it before it was used
    const call = new ForwardCall(this.options.maxMessageBytes, () => this.dropPrepared(url, ours));
    try {
      call.attach(this.open(url), url);
    } catch {
      return;
    }
    const retire = setTimeout(() => this.dropPrepared(url, ours), this.options.preparedMaxAgeMs);
    retire.unref();
    this.prepared.set(url, { call, session, retire });
  }

  /** Closes the prepared stream for `url` if `which` says it is the one meant. */
  private dropPrepared(url: string, which: (p: Prepared) => boolean): void {
    const p = this.prepared.get(url);
    if (!p || !which(p)) return;
    this.prepared.delete(url);
    this.drop(p);
  }

  private drop(p: Prepared): void {
    clearTimeout(p.retire);
    p.call.discard();
  }

  private session(url: string): H2cSession {
    const open = this.sessions.get(url);
    if (open && !open.closed) return open;
    const session = new H2cSession(url, {
      streamWindow: STREAM_WINDOW,
      sessionWindow: SESSION_WINDOW,
      maxHeaderListBytes: MAX_HEADER_LIST_BYTES,
    });
    this.sessions.set(url, session);
    // Streams fail on their own; the session is replaced on the next call. Its prepared stream
    // goes with it (a draining peer waits for open streams).
    session.onGoaway = () => {
      if (this.sessions.get(url) === session) this.sessions.delete(url);
      this.dropPrepared(url, (p) => p.session === session);
    };
    const { pingIntervalMs, pingTimeoutMs } = this.options;
    const ping = setInterval(() => session.ping(pingTimeoutMs), pingIntervalMs);
    ping.unref();
    session.onClose = () => clearInterval(ping);
    return session;
  }
}
