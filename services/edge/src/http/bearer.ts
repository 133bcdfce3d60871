import type { IncomingHttpHeaders } from "node:http";

/** The API key from `Authorization: Bearer` or Anthropic's `x-api-key`. */
export function apiKeyFrom(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    return match?.[1];
  }
  const xKey = headers["x-api-key"];
  return typeof xKey === "string" && xKey ? xKey : undefined;
}
