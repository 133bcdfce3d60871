import type { IncomingMessage } from "node:http";
import { EdgeError, badRequest } from "../errors/edge-error.js";

const tooLarge = (maxBytes: number): EdgeError =>
  new EdgeError(
    413,
    "invalid_request_error",
    "request_too_large",
    `request body exceeds ${maxBytes} bytes`,
  );

/**
 * Reads a request body, refusing it as soon as it is known to exceed maxBytes (from
 * Content-Length, or while streaming) instead of buffering it whole.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** Parses a JSON object body; anything else is a 400 with an OpenAI error. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw badRequest("request body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(
      `request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
