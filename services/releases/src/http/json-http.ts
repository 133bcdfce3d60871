import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";

/** A JSON body (read by the front door within the upload limit); not JSON: InvalidArgument. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch (cause) {
    throw new ConnectError("body is not JSON", Code.InvalidArgument, undefined, undefined, cause);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export const bearer = (req: IncomingMessage): string =>
  /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";

/** Constant-time comparison of a presented secret with the configured one (empty never matches). */
export function secretMatches(presented: string, expected: string): boolean {
  if (!expected || !presented) return false;
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** A percent-decoded path segment; broken encoding or NUL is InvalidArgument (a 400). */
export function pathParam(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch (cause) {
    throw new ConnectError(
      `the path segment '${raw}' is not valid percent-encoding`,
      Code.InvalidArgument,
      undefined,
      undefined,
      cause,
    );
  }
  if (decoded.includes("\u0000"))
    throw new ConnectError("a path segment must not contain NUL characters", Code.InvalidArgument);
  return decoded;
}
