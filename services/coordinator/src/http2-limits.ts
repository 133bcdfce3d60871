import http2 from "node:http2";
import type { ConnectionMetrics } from "./connection-metrics.js";

export interface Http2Limits {
  /** A session with no open stream (including one that sent only the preface) closes after this. */
  idleTimeoutMs: number;
  /** A stream's request (headers and body) must have arrived in full within this. */
  requestTimeoutMs: number;
}

/**
 * Bounds the phases of an HTTP/2 session that come before a complete request: a session without
 * streams is closed once idle, and a stream whose request body is still arriving after
 * requestTimeoutMs is reset. A stream whose request is complete (a long server stream) is never cut.
 */
export function limitHttp2(
  server: http2.Http2Server,
  limits: Http2Limits,
  metrics: ConnectionMetrics,
): void {
  server.on("session", (session) => {
    let open = 0;
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      idle = setTimeout(() => {
        metrics.timedOut.inc({ phase: "http2_idle" });
        // No stream is open: close() sends GOAWAY and destroys the session right away.
        session.close();
      }, limits.idleTimeoutMs);
    };
    armIdle();
    session.on("stream", (stream) => {
      clearTimeout(idle);
      open++;
      stream.once("close", () => {
        if (--open === 0 && !session.closed && !session.destroyed) armIdle();
      });
    });
    session.once("close", () => clearTimeout(idle));
  });
  server.on("stream", (stream) => {
    if (stream.endAfterHeaders) return;
    const deadline = setTimeout(() => {
      metrics.timedOut.inc({ phase: "http2_request" });
      stream.close(http2.constants.NGHTTP2_CANCEL);
    }, limits.requestTimeoutMs);
    // 'end' comes once the handler has read the whole body; a stream closed earlier ends it too.
    stream.once("end", () => clearTimeout(deadline));
    stream.once("close", () => clearTimeout(deadline));
  });
  // A client's protocol error: the session is already being destroyed; nothing escapes.
  server.on("sessionError", () => undefined);
}
