import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

export type Http1Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
export type Http2Handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;

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

  constructor(h1: Http1Handler, h2: Http2Handler) {
    this.http1 = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      // A kept-alive connection can still carry a new request after the drain began.
      if (this.stateValue.kind === "closed") return refuseDuringDrain(res);
      this.active.add(res);
      res.once("close", () => this.active.delete(res));
      h1(req, res);
    });
    this.http2 = http2.createServer({}, h2);
    this.tcp = net.createServer((socket) => this.route(socket));
    this.http2.on("session", (session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
    });
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
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      const n = Math.min(first.length, H2_PREFACE.length);
      const isH2 = n > 0 && first.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2) {
        // The HTTP/2 session reads the unshifted bytes itself on the next tick and then consumes
        // the socket natively; resuming here would hand the preface to a JS 'data' flow instead,
        // and the session would answer GOAWAY ("bad client magic").
        this.http2.emit("connection", socket);
        return;
      }
      this.http1.emit("connection", socket);
      socket.resume();
    });
    socket.on("error", () => socket.destroy());
  }
}

function refuseDuringDrain(res: http.ServerResponse): void {
  const body = JSON.stringify({
    error: {
      message: "the coordinator is shutting down; retry on another replica",
      type: "server_error",
      code: "shutting_down",
      param: null,
    },
  });
  res.writeHead(503, {
    "content-type": "application/json",
    connection: "close",
    "retry-after": "1",
  });
  res.end(body);
}
