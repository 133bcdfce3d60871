import type { IncomingMessage, ServerResponse } from "node:http";
import { EdgeError } from "./errors/edge-error.js";
import { toEdgeError } from "./errors/from-connect.js";
import { describeCause, logServerFailure } from "./errors/log-failure.js";
import type { EdgeDeps, EdgeRequest } from "./edge-context.js";
import { authenticateRequest } from "./http/authenticate-request.js";
import { parseJsonObject, readBody } from "./http/read-body.js";
import {
  generationId,
  requestClaim,
  requestIdFrom,
  requestIdGenerated,
} from "./http/request-id.js";
import { requestFingerprinter, type Fingerprinter } from "./http/request-fingerprint.js";
import { sendError, sendJson } from "./http/respond.js";
import { MidStreamError } from "./inference/run-inference.js";
import { chatCompletions } from "./openai/chat-completions.js";
import { completions } from "./openai/completions.js";
import { createResponse } from "./responses/create-response.js";
import { createMessage } from "./anthropic/create-message.js";
import { anthropicErrorBody } from "./errors/anthropic-error.js";
import { listModels, modelCapacity } from "./openai/models.js";
import { serveOpenApi } from "./openapi/serve-openapi.js";
import { admit } from "./inference/request-money.js";
import { isAccountPath, serveAccount } from "./account/serve-account.js";
import { RequestTiming } from "./timing/request-timing.js";
import { STATS_PATH, createStatsRoute } from "./stats/serve-stats.js";
import { tokensServedToday } from "@darkbloom/ledger";
import {
  SEALED_CONTENT_TYPE,
  sealedBodyGate,
  sealedProviderKeys,
  sealedReserve,
  sealedSubmit,
  type GateResult,
} from "./sealed-body/index.js";

interface Route {
  method: "GET" | "POST";
  path: string;
  idPrefix: string;
  handle(ctx: EdgeDeps, req: EdgeRequest): Promise<void>;
  /** The error body in this API's own shape (default: OpenAI's). */
  errorBody?: (err: EdgeError) => unknown;
}

export const ROUTES: readonly Route[] = [
  { method: "GET", path: "/v1/models", idPrefix: "models", handle: listModels },
  { method: "GET", path: "/v1/models/capacity", idPrefix: "models", handle: modelCapacity },
  { method: "POST", path: "/v1/chat/completions", idPrefix: "chatcmpl", handle: chatCompletions },
  { method: "POST", path: "/v1/completions", idPrefix: "cmpl", handle: completions },
  { method: "POST", path: "/v1/responses", idPrefix: "resp", handle: createResponse },
  {
    method: "POST",
    path: "/v1/messages",
    idPrefix: "msg",
    handle: createMessage,
    errorBody: anthropicErrorBody,
  },
  { method: "GET", path: "/v1/sealed/provider-keys", idPrefix: "keys", handle: sealedProviderKeys },
  { method: "POST", path: "/v1/sealed/reserve", idPrefix: "sealed", handle: sealedReserve },
  { method: "POST", path: "/v1/sealed/completions", idPrefix: "sealed", handle: sealedSubmit },
];

export type EdgeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The OpenAI-compatible HTTP surface. Returns false from `matches` for paths it does not own. */
export function createEdgeHandler(deps: EdgeDeps): {
  handle: EdgeHandler;
  matches(path: string): boolean;
} {
  const matches = (path: string): boolean =>
    path.startsWith("/v1/") || path === "/health" || path === "/openapi.json";
  const fingerprint = requestFingerprinter(deps.options.prefixHashSecret);
  const pool = deps.account?.pool;
  const stats = createStatsRoute({
    routing: deps.routing,
    tokensServedToday: pool ? () => tokensServedToday(pool) : undefined,
  });
  const handle: EdgeHandler = (req, res) => {
    serve(deps, fingerprint, stats, req, res).catch((err: unknown) => {
      deps.log.error("edge handler crashed", { cause: describeCause(err) });
      if (!res.headersSent)
        sendError(res, new EdgeError(500, "server_error", "internal_error", "internal error"));
      else res.end();
    });
  };
  return { handle, matches };
}

async function serve(
  deps: EdgeDeps,
  fingerprint: Fingerprinter,
  stats: ReturnType<typeof createStatsRoute>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = requestIdFrom(req.headers["x-request-id"]);
  const path = new URL(req.url ?? "/", "http://edge").pathname;
  const log = deps.log.child({ requestId });
  if (path === "/health") return sendJson(res, 200, { status: "ok" });
  if (path === "/openapi.json") return serveOpenApi(res);
  if (path === STATS_PATH) return stats(req, res, requestId);
  if (deps.account && isAccountPath(path))
    return serveAccount(deps, deps.account, req, res, requestId, log);

  const route = ROUTES.find((r) => r.path === path);
  const timing = new RequestTiming();
  const genId = generationId(route?.idPrefix ?? "gen");
  res.setHeader("x-darkbloom-generation-id", genId);
  try {
    // A sealed body is opened only for a caller with a valid key: opening costs an X25519
    // agreement, and an unauthenticated client should not be able to spend it.
    const sealedBody = String(req.headers["content-type"] ?? "")
      .toLowerCase()
      .startsWith(SEALED_CONTENT_TYPE);
    const early = sealedBody ? await authenticateRequest(deps, req, "inference") : undefined;
    const gate: GateResult = deps.sealed
      ? await sealedBodyGate(deps.sealed, req, res, path, deps.options.maxBodyBytes)
      : { kind: "plain" };
    if (gate.kind === "handled") return;
    if (!route)
      throw new EdgeError(
        404,
        "invalid_request_error",
        "unknown_url",
        `Unknown request URL: ${req.method ?? ""} ${path}`,
      );
    if (req.method !== route.method) {
      throw new EdgeError(
        405,
        "invalid_request_error",
        "method_not_allowed",
        `${path} accepts ${route.method} only`,
        null,
        { allow: route.method },
      );
    }
    const principal = early ?? (await authenticateRequest(deps, req, "inference"));
    deps.onAuthenticated?.(req);
    timing.mark("auth");
    // The money sequence's first step (inference/request-money.ts), before the body is read.
    if (route.method === "POST" && route.path !== "/v1/sealed/reserve")
      await admit(deps, principal);
    const json =
      route.method === "POST"
        ? parseJsonObject(
            gate.kind === "opened" ? gate.body : await readBody(req, deps.options.maxBodyBytes),
          )
        : {};
    const claim = requestClaim(
      requestId,
      fingerprint(path, json),
      requestIdGenerated(req.headers["x-request-id"], requestId),
    );

    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    await route.handle(deps, {
      req,
      res,
      requestId,
      claim,
      generationId: genId,
      createdUnix: Math.floor(Date.now() / 1000),
      principal,
      json,
      signal: abort.signal,
      log: log.child({ accountId: principal.accountId, claimId: claim.claimId }),
      toEdgeError,
      timing,
      keepAliveIntervalMs: deps.options.keepAliveIntervalMs ?? 10_000,
    });
  } catch (err) {
    const edge = err instanceof MidStreamError ? err.edge : toEdgeError(err);
    logServerFailure(log, "request failed", edge);
    res.setHeader("x-request-id", requestId);
    if (!res.headersSent) res.setHeader("x-timing", timing.header());
    if (route?.errorBody && !res.headersSent)
      sendJson(res, edge.status, route.errorBody(edge), { ...edge.headers });
    else sendError(res, edge);
  }
}
