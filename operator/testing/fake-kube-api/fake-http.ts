// HTTP plumbing of the fake API server: body reading with a size limit, JSON/YAML decoding, replies.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError, badRequest } from "./fake-api-error.js";
import { isObject, type Json, type JsonObject } from "./fake-json.js";

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError(413, "RequestEntityTooLarge", "request entity too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function decode(text: string, yaml: boolean): Json {
  try {
    return (yaml ? parseYaml(text) : JSON.parse(text)) as Json;
  } catch (err) {
    throw badRequest(`error decoding body: ${(err as Error).message}`);
  }
}

export function decodeObject(text: string, yaml: boolean): JsonObject {
  const v = decode(text, yaml);
  if (!isObject(v)) throw badRequest("the body is not an object");
  return v;
}

export function send(
  res: ServerResponse,
  code: number,
  body: unknown,
  warnings: string[] = [],
): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  };
  if (warnings.length) headers.warning = warnings.map((w) => `299 - "${w.replace(/"/g, "'")}"`);
  res.writeHead(code, headers);
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e =
    err instanceof ApiError
      ? err
      : new ApiError(500, "InternalError", String((err as Error)?.stack ?? err));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  send(res, e.code, e.toStatus());
}
