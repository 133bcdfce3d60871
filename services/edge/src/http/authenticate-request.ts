import type { IncomingHttpHeaders } from "node:http";
import { allows, type Scope } from "@darkbloom/auth";
import type { EdgeDeps, Principal } from "../edge-context.js";
import { EdgeError } from "../errors/edge-error.js";
import { apiKeyFrom } from "./bearer.js";

/**
 * The caller's principal from its API key or session token: 401 when missing or wrong, 403 when
 * the key lacks the route's scope (or, for `admin`, the account is not an admin).
 */
export async function authenticateRequest(
  deps: Pick<EdgeDeps, "authenticate">,
  headers: IncomingHttpHeaders,
  scope: Scope,
): Promise<Principal> {
  const token = apiKeyFrom(headers);
  if (!token) {
    throw new EdgeError(
      401,
      "authentication_error",
      "missing_api_key",
      "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'.",
    );
  }
  const principal = await deps.authenticate(token);
  if (!principal) {
    throw new EdgeError(
      401,
      "authentication_error",
      "invalid_api_key",
      "Incorrect API key provided.",
    );
  }
  if (!allows(principal, scope)) {
    throw new EdgeError(
      403,
      "permission_error",
      "insufficient_scope",
      principal.scopes.includes(scope)
        ? `this endpoint needs an admin account`
        : `this API key lacks the '${scope}' scope this endpoint needs`,
    );
  }
  return principal;
}
