import type { IncomingMessage } from "node:http";
import type { HttpCall } from "@darkbloom/http-body";
import type { Logger } from "@darkbloom/telemetry";
import { toEdgeError } from "../errors/from-connect.js";
import { logServerFailure } from "../errors/log-failure.js";
import type { EdgeDeps, Principal } from "../edge-context.js";
import { authenticateRequest } from "../http/authenticate-request.js";
import { decodePathParam } from "../http/path-param.js";
import { sendError } from "../http/respond.js";
import type { AccountDeps } from "./account-deps.js";
import type { Access, AccountRoute } from "./account-routes.js";

/** Serves one account-surface request the front door routed here: authenticate as the route requires, handle. */
export async function serveAccount(
  deps: EdgeDeps,
  account: AccountDeps,
  route: AccountRoute,
  call: HttpCall,
  requestId: string,
  log: Logger,
): Promise<void> {
  const { req, res, url } = call;
  res.setHeader("x-request-id", requestId);
  try {
    const principal = await authorize(deps, req, route.access);
    const body = req.method === "GET" ? Buffer.alloc(0) : await call.readBody();
    const params = call.params.map(decodePathParam);
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
