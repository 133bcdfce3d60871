import type { IncomingMessage } from "node:http";
import { allows, type Scope } from "@darkbloom/auth";
import type { EdgeDeps, Principal } from "../edge-context.js";
import { EdgeError } from "../errors/edge-error.js";
import { apiKeyFrom } from "./bearer.js";

/**
 * The caller's principal from its API key or session token, or else from the console's session
 * cookie (docs/console.md): 401 when missing or wrong (or the session ended), 403 when a
 * cookie-authenticated state-changing call lacks the CSRF token, or the key lacks the route's
 * scope (or, for `admin`, the account is not an admin).
 */
export async function authenticateRequest(
  deps: Pick<EdgeDeps, "authenticate" | "sessions">,
  req: Pick<IncomingMessage, "headers" | "method">,
  scope: Scope,
): Promise<Principal> {
  const token = apiKeyFrom(req.headers);
  const principal = token ? await deps.authenticate(token) : await fromSession(deps, req);
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

async function fromSession(
  deps: Pick<EdgeDeps, "sessions">,
  req: Pick<IncomingMessage, "headers" | "method">,
): Promise<Principal> {
  const csrf = req.headers["x-csrf-token"];
  const check = deps.sessions
    ? await deps.sessions({
        method: req.method ?? "GET",
        cookie: req.headers.cookie,
        csrfToken: typeof csrf === "string" ? csrf : undefined,
      })
    : ({ kind: "none" } as const);
  switch (check.kind) {
    case "ok":
      return check.principal;
    case "none":
      throw new EdgeError(
        401,
        "authentication_error",
        "missing_api_key",
        "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'.",
      );
    case "invalid":
      throw new EdgeError(
        401,
        "authentication_error",
        "invalid_session",
        "Your session has ended (signed out or expired). Sign in again.",
      );
    case "csrf":
      throw new EdgeError(
        403,
        "permission_error",
        "csrf_token_invalid",
        "A signed-in console call that changes something must send the session's x-csrf-token header.",
      );
  }
}
