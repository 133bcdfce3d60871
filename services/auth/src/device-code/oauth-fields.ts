import type { IncomingMessage, ServerResponse } from "node:http";

/** A small form-encoded (RFC 8628 / OAuth) or JSON body as string fields; null when unreadable. */
export function parseFields(
  contentType: string | undefined,
  body: Buffer,
): Record<string, string> | null {
  const text = body.toString("utf8");
  if (/json/.test(contentType ?? "")) {
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
