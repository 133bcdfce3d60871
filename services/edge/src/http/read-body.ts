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
 * Content-Length, or while streaming) instead of buffering it whole. A refused body is left to
 * the HTTP server, which discards the rest, so the client still reads the 413 instead of EPIPE.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (part: Buffer): void => {
      size += part.byteLength;
      if (size <= maxBytes) return void parts.push(part);
      req.off("data", onData).off("end", onEnd).resume();
      parts.length = 0;
      reject(tooLarge(maxBytes));
    };
    const onEnd = (): void => resolve(Buffer.concat(parts));
    req.on("data", onData).on("end", onEnd).once("error", reject);
  });
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
