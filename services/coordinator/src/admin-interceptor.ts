import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { allows, type SessionCheck, type SessionRequest } from "@darkbloom/auth";
import type { Principal } from "@darkbloom/edge";

/**
 * Connect services reached over the network answer only to an admin: a key with the `admin`
 * scope of an admin account, or a console session of an admin account whose call carries the
 * session's CSRF token (every Connect call counts as state-changing) (docs/api.md, "Key scopes";
 * docs/console.md, "Sessions and CSRF").
 */
export function requireAdmin(
  authenticate: (key: string) => Promise<Principal | null>,
  sessions?: (request: SessionRequest) => Promise<SessionCheck>,
): Interceptor {
  return (next) => async (req) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.header.get("authorization") ?? "");
    const principal = match?.[1]
      ? await authenticate(match[1])
      : await fromSession(sessions, req.header);
    if (!principal) throw new ConnectError("a valid API key is required", Code.Unauthenticated);
    if (principal.role !== "admin")
      throw new ConnectError("this API needs an admin account's key", Code.PermissionDenied);
    if (!allows(principal, "admin"))
      throw new ConnectError("this API key lacks the 'admin' scope", Code.PermissionDenied);
    return next(req);
  };
}

async function fromSession(
  sessions: ((request: SessionRequest) => Promise<SessionCheck>) | undefined,
  header: Headers,
): Promise<Principal | null> {
  if (!sessions) return null;
  const check = await sessions({
    method: "POST",
    cookie: header.get("cookie") ?? undefined,
    csrfToken: header.get("x-csrf-token") ?? undefined,
  });
  if (check.kind === "csrf")
    throw new ConnectError("send the session's x-csrf-token header", Code.PermissionDenied);
  return check.kind === "ok" ? check.principal : null;
}
