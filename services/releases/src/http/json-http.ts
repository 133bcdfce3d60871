import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { bodyTooLarge, openAiErrorBody, toHttpError } from "@darkbloom/http-errors";

const MAX_BODY_BYTES = 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY_BYTES) throw bodyTooLarge(MAX_BODY_BYTES);
    parts.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString("utf8")) as unknown;
  } catch (cause) {
    throw new ConnectError("body is not JSON", Code.InvalidArgument, undefined, undefined, cause);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Any error → the HTTP surface's one table (libs/http-errors) and an OpenAI-shaped body. */
export function sendHttpError(res: ServerResponse, err: unknown): void {
  const e = toHttpError(err);
  for (const [name, value] of Object.entries(e.headers)) res.setHeader(name, value);
  sendJson(res, e.status, openAiErrorBody(e));
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
