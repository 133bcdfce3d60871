import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { allows } from "@darkbloom/auth";
import type { Principal } from "@darkbloom/edge";

/**
 * Connect services reached over the network answer only to keys with the `admin` scope of an
 * admin account (docs/api.md, "Key scopes").
 */
export function requireAdmin(
  authenticate: (key: string) => Promise<Principal | null>,
): Interceptor {
  return (next) => async (req) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.header.get("authorization") ?? "");
    const principal = match?.[1] ? await authenticate(match[1]) : null;
    if (!principal) throw new ConnectError("a valid API key is required", Code.Unauthenticated);
    if (principal.role !== "admin")
      throw new ConnectError("this API needs an admin account's key", Code.PermissionDenied);
    if (!allows(principal, "admin"))
      throw new ConnectError("this API key lacks the 'admin' scope", Code.PermissionDenied);
    return next(req);
  };
}
