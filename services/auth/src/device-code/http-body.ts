import type { IncomingMessage, ServerResponse } from "node:http";

const MAX_BODY_BYTES = 16 * 1024;

/** A small form-encoded (RFC 8628 / OAuth) or JSON body as string fields; null when unreadable. */
export async function readFields(req: IncomingMessage): Promise<Record<string, string> | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY_BYTES) return null;
    parts.push(chunk as Buffer);
  }
  const text = Buffer.concat(parts).toString("utf8");
  if (/json/.test(req.headers["content-type"] ?? "")) {
    try {
      const json = JSON.parse(text || "{}") as Record<string, unknown>;
      return Object.fromEntries(
        Object.entries(json).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
      );
    } catch {
      return null;
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

export function bearer(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
}
