import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@darkbloom/telemetry";
import { EdgeError } from "../errors/edge-error.js";
import { toEdgeError } from "../errors/from-connect.js";
import { logServerFailure } from "../errors/log-failure.js";
import type { EdgeDeps, Principal } from "../edge-context.js";
import { authenticateRequest } from "../http/authenticate-request.js";
import { decodePathParam } from "../http/path-param.js";
import { readBody } from "../http/read-body.js";
import { sendError } from "../http/respond.js";
import type { AccountDeps } from "./account-deps.js";
import { ACCOUNT_ROUTES, type Access } from "./account-routes.js";

/** True when the path belongs to the account surface (whatever the method). */
export function isAccountPath(path: string): boolean {
  return ACCOUNT_ROUTES.some((route) => route.pattern.test(path));
}

/** Serves one account-surface request: route, authenticate as the route requires, handle. */
export async function serveAccount(
  deps: EdgeDeps,
  account: AccountDeps,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  log: Logger,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://edge");
  res.setHeader("x-request-id", requestId);
  try {
    const candidates = ACCOUNT_ROUTES.filter((route) => route.pattern.test(url.pathname));
    const route = candidates.find((candidate) => candidate.method === req.method);
    if (route === undefined) {
      const allow = candidates.map((candidate) => candidate.method).join(", ");
      throw new EdgeError(
        405,
        "invalid_request_error",
        "method_not_allowed",
        `${url.pathname} accepts ${allow}`,
        null,
        { allow },
      );
    }
    const principal = await authorize(deps, req, route.access);
    const body =
      req.method === "GET" ? Buffer.alloc(0) : await readBody(req, deps.options.maxBodyBytes);
    const params = (route.pattern.exec(url.pathname) ?? []).slice(1).map(decodePathParam);
    await route.handle({
      deps: account,
      req,
      res,
      requestId,
      params,
      query: url.searchParams,
      principal,
      body,
      log,
    });
  } catch (err) {
    const edge = toEdgeError(err);
    logServerFailure(log, "account request failed", edge);
    sendError(res, edge);
  }
}

async function authorize(
  deps: EdgeDeps,
  req: IncomingMessage,
  access: Access,
): Promise<Principal | null> {
  if (access === "public") return null;
  const principal = await authenticateRequest(deps, req, access);
  deps.onAuthenticated?.(req);
  return principal;
}
