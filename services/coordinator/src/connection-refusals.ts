// Answers the server writes itself (no handler ran or it failed): refusals, timeouts, crashes.
import type http from "node:http";
import type http2 from "node:http2";
import type net from "node:net";
import type { Duplex } from "node:stream";

/** A connection over its address's cap: told why (if it reads HTTP/1.1), then closed. */
export function refuseOverCap(socket: net.Socket): void {
  const body = errorBody(
    "too many unauthenticated connections from this address; retry later",
    "rate_limit_error",
    "too_many_connections",
  );
  socket.end(rawResponse(429, body, "retry-after: 1\r\n"));
  socket.once("finish", () => socket.destroy());
}

/** An upgrade (WebSocket) to a path nothing serves. */
export function refuseUpgrade(socket: Duplex): void {
  const body = errorBody(
    "no WebSocket is served at this path",
    "invalid_request_error",
    "unknown_url",
  );
  socket.end(rawResponse(404, body));
  socket.once("finish", () => socket.destroy());
}

/** A provider WebSocket while this replica drains: it retries, and lands on another replica. */
export function refuseUpgradeDraining(socket: Duplex): void {
  const body = errorBody(
    "the coordinator is shutting down; reconnect to another replica",
    "server_error",
    "shutting_down",
  );
  socket.end(rawResponse(503, body, "retry-after: 1\r\n"));
  socket.once("finish", () => socket.destroy());
}

/** The handler threw (reported by the guard): a 500 if nothing was sent yet, else a cut stream. */
export function failRequest(res: http.ServerResponse | http2.Http2ServerResponse): void {
  if (res.headersSent) return void res.destroy();
  const body = errorBody("internal error", "server_error", "internal_error");
  res.writeHead(500, { "content-type": "application/json" });
  res.end(body);
}

/** Node's HTTP/1.1 parser refused a request (a code of its clientError): the whole response. */
export function clientErrorResponse(code: string | undefined): string {
  if (code === "ERR_HTTP_REQUEST_TIMEOUT")
    return rawResponse(
      408,
      errorBody("the request did not arrive in time", "invalid_request_error", "timeout"),
    );
  if (code === "HPE_HEADER_OVERFLOW")
    return rawResponse(
      431,
      errorBody("request headers are too large", "invalid_request_error", "headers_too_large"),
    );
  return rawResponse(
    400,
    errorBody("malformed HTTP request", "invalid_request_error", "bad_request"),
  );
}

function errorBody(message: string, type: string, code: string): string {
  return JSON.stringify({ error: { message, type, code, param: null } });
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  408: "Request Timeout",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  503: "Service Unavailable",
};

/** A whole HTTP/1.1 response written on a raw socket (no server response object exists yet). */
function rawResponse(status: number, body: string, extraHeaders = ""): string {
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\n` +
    "content-type: application/json\r\n" +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    extraHeaders +
    "connection: close\r\n\r\n" +
    body
  );
}

export function refuseDuringDrain(res: http.ServerResponse): void {
  const body = errorBody(
    "the coordinator is shutting down; retry on another replica",
    "server_error",
    "shutting_down",
  );
  res.writeHead(503, {
    "content-type": "application/json",
    connection: "close",
    "retry-after": "1",
  });
  res.end(body);
}
