import type { ServerResponse } from "node:http";
import { openAiErrorBody, type EdgeError } from "../errors/edge-error.js";

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: EdgeError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, err.status, openAiErrorBody(err), { ...err.headers });
}
