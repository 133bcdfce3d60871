import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { UnexpectedErrors } from "@darkbloom/telemetry";
import type { ConnectionMetrics } from "./connection-metrics.js";
import {
  clientErrorResponse,
  failRequest,
  refuseDuringDrain,
  refuseOverCap,
} from "./connection-refusals.js";
import { limitHttp2 } from "./http2-limits.js";
import type { UnauthenticatedConnections } from "./unauthenticated-connections.js";

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

export type Http1Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
export type Http2Handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
/** Serves an HTTP/2 stream itself, without compatibility objects: true when it took the stream. */
export type Http2StreamClaim = (
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
) => boolean;

/** How long each phase of a connection before a complete request may take; docs/configuration.md. */
export interface ConnectionLimits {
  /** A new connection must send its first bytes within this. */
  firstByteTimeoutMs: number;
  /** HTTP/1.1: a request's line and headers must be complete this long after it began. */
  headersTimeoutMs: number;
  /** HTTP/1.1 and HTTP/2: a whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** HTTP/1.1: a keep-alive connection idle between requests closes after this. */
  keepAliveTimeoutMs: number;
  /** HTTP/2: a session without an open stream closes after this. */
  http2IdleTimeoutMs: number;
}

export interface DualProtocolOptions {
  limits: ConnectionLimits;
  metrics: ConnectionMetrics;
  errors: UnexpectedErrors;
  /** The per-address count of unauthenticated connections (told of authentications elsewhere). */
  unauthenticated: UnauthenticatedConnections;
  /** Sees each HTTP/2 stream first; those it takes never reach `h2` (the peers' ForwardInfer). */
  claimHttp2Stream?: Http2StreamClaim;
}

export type ServerState =
  { kind: "idle" } | { kind: "listening"; port: number } | { kind: "closed" };

/**
 * One TCP port serving HTTP/1.1 (REST, SSE, WebSocket upgrades) and cleartext HTTP/2 with prior
 * knowledge (Connect and gRPC clients), told apart by the first bytes of each connection.
 */
export class DualProtocolServer {
  readonly http1: http.Server;
  readonly http2: http2.Http2Server;
  private readonly tcp: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** HTTP/1.1 responses in progress: told to close their connection when a drain starts. */
  private readonly active = new Set<http.ServerResponse>();
  private stateValue: ServerState = { kind: "idle" };

  constructor(
    h1: Http1Handler,
    h2: Http2Handler,
    private readonly options: DualProtocolOptions,
  ) {
    const { limits, errors } = options;
    const h1Guarded = errors.guard("http_request", h1, (_req, res) => failRequest(res));
    this.http1 = http.createServer(
      {
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        // How often those two are checked: a bounded fraction of the shorter one.
        connectionsCheckingInterval: Math.max(
          25,
          Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)),
        ),
      },
      (req, res) => {
        // A kept-alive connection can still carry a new request after the drain began.
        if (this.stateValue.kind === "closed") return refuseDuringDrain(res);
        this.active.add(res);
        res.once("close", () => this.active.delete(res));
        h1Guarded(req, res);
      },
    );
    this.http1.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) =>
      this.onClientError(err, socket),
    );
    // The listening server gets raw streams; the compatibility request and response objects of
    // `h2` are made (by a server that never listens) only for streams nothing claimed.
    this.http2 = http2.createServer();
    const compat = http2.createServer(
      {},
      errors.guard("http_request", h2, (_req, res) => failRequest(res)),
    );
    const claim = options.claimHttp2Stream;
    this.http2.on(
      "stream",
      errors.guard(
        "http_request",
        (
          stream: http2.ServerHttp2Stream,
          headers: http2.IncomingHttpHeaders,
          flags: number,
          rawHeaders: string[],
        ) => {
          if (claim?.(stream, headers)) return;
          compat.emit("stream", stream, headers, flags, rawHeaders);
        },
        (stream) => {
          if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        },
      ),
    );
    limitHttp2(
      this.http2,
      { idleTimeoutMs: limits.http2IdleTimeoutMs, requestTimeoutMs: limits.requestTimeoutMs },
      options.metrics,
    );
    // http.Server would set TCP_NODELAY on sockets it accepts itself, not on those handed over.
    this.tcp = net.createServer(
      { noDelay: true },
      errors.guard(
        "connection",
        (socket: net.Socket) => this.route(socket),
        (socket) => socket.destroy(),
      ),
    );
    this.http2.on("session", (session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
    });
  }

  /** Serves HTTP/1.1 upgrades (WebSockets); a throw is reported and the socket destroyed. */
  onUpgrade(handler: UpgradeHandler): void {
    this.http1.on(
      "upgrade",
      this.options.errors.guard("upgrade", handler, (_req, socket) => socket.destroy()),
    );
  }

  get state(): ServerState {
    return this.stateValue;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.tcp.once("error", reject);
      this.tcp.listen(port, host, () => {
        const address = this.tcp.address();
        const actual = typeof address === "object" && address ? address.port : port;
        this.stateValue = { kind: "listening", port: actual };
        // http.Server starts tracking its connections (the idle list behind closeIdleConnections,
        // the headers and request timeouts) on 'listening'; it never listens itself, so tell it.
        this.http1.emit("listening");
        resolve(actual);
      });
    });
  }

  /** Stops accepting; existing connections close once idle, or are destroyed after graceMs. */
  async close(graceMs: number): Promise<void> {
    if (this.stateValue.kind === "closed") return;
    this.stateValue = { kind: "closed" };
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    // Closes idle keep-alive connections and stops the connection-tracking interval; the callback
    // only reports that http1 itself was never listening.
    this.http1.close(() => undefined);
    // Requests in progress finish, but their connections do not stay open for another one.
    for (const res of this.active) {
      if (!res.headersSent) res.setHeader("connection", "close");
      else {
        const socket = res.socket; // detached from the response before 'finish'
        res.once("finish", () => socket?.end());
      }
    }
    // GOAWAY: in-flight streams finish, then each session closes its socket.
    for (const session of this.sessions) session.close();
    const deadline = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs);
    await closed;
    clearTimeout(deadline);
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  private route(socket: net.Socket): void {
    const { limits, metrics, errors, unauthenticated } = this.options;
    socket.on("error", () => socket.destroy());
    if (!unauthenticated.admit(socket)) {
      metrics.refused.inc({ reason: "per_address_cap" });
      return refuseOverCap(socket);
    }
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    const firstByte = setTimeout(() => {
      metrics.timedOut.inc({ phase: "first_byte" });
      socket.destroy();
    }, limits.firstByteTimeoutMs);
    socket.once("close", () => clearTimeout(firstByte));
    socket.once(
      "data",
      errors.guard(
        "connection",
        (first: Buffer) => {
          clearTimeout(firstByte);
          socket.pause();
          socket.unshift(first);
          const n = Math.min(first.length, H2_PREFACE.length);
          const isH2 = n > 0 && first.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
          if (isH2) {
            // The HTTP/2 session reads the unshifted bytes itself on the next tick and then
            // consumes the socket natively; resuming here would hand the preface to a JS 'data'
            // flow instead, and the session would answer GOAWAY ("bad client magic").
            this.http2.emit("connection", socket);
            return;
          }
          this.http1.emit("connection", socket);
          socket.resume();
        },
        () => socket.destroy(),
      ),
    );
  }

  /** Node's own answer to a bad or late HTTP/1.1 request (400, 408, 431), counted when late. */
  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT")
      this.options.metrics.timedOut.inc({ phase: "http1_request" });
    // Like Node's default: answer only if nothing of a response went out on this connection yet.
    if (socket.writable && socket instanceof net.Socket && socket.bytesWritten === 0)
      socket.write(clientErrorResponse(err.code));
    socket.destroy();
  }
}
