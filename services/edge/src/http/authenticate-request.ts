import type { IncomingHttpHeaders } from "node:http";
import type { EdgeDeps, Principal } from "../edge-context.js";
import { EdgeError } from "../errors/edge-error.js";
import { apiKeyFrom } from "./bearer.js";

/** The caller's principal from its API key or session token; 401 when missing or wrong. */
export async function authenticateRequest(
  deps: Pick<EdgeDeps, "authenticate">,
  headers: IncomingHttpHeaders,
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
  return principal;
}
