import type { IncomingMessage } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The coordinator's base URL as the client reached it (Host, and X-Forwarded-Proto behind a TLS
 * proxy): install.sh points the provider back at the same place. Only a plain host[:port] is
 * accepted, so nothing from the header can reach the script but a hostname.
 */
export function requestBaseUrl(req: IncomingMessage): string {
  const host = req.headers.host ?? "";
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host))
    throw new ConnectError("the Host header is not a hostname[:port]", Code.InvalidArgument);
  const forwarded = String(req.headers["x-forwarded-proto"] ?? "")
    .split(",")[0]
    ?.trim();
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  const proto = forwarded === "https" || forwarded === "http" ? forwarded : tls ? "https" : "http";
  return `${proto}://${host}`;
}
