import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Principal } from "@darkbloom/edge";

/** Connect services reached over the network answer only to admin API keys. */
export function requireAdmin(
  authenticate: (key: string) => Promise<Principal | null>,
): Interceptor {
  return (next) => async (req) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.header.get("authorization") ?? "");
    const principal = match?.[1] ? await authenticate(match[1]) : null;
    if (!principal) throw new ConnectError("a valid API key is required", Code.Unauthenticated);
    if (principal.role !== "admin")
      throw new ConnectError("this API needs an admin key", Code.PermissionDenied);
    return next(req);
  };
}
