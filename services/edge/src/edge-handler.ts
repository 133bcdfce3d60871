import type { HttpCall, HttpRoute } from "@darkbloom/http-body";
import { EdgeError } from "./errors/edge-error.js";
import { toEdgeError } from "./errors/from-connect.js";
import { describeCause, logServerFailure } from "./errors/log-failure.js";
import type { EdgeDeps, EdgeRequest } from "./edge-context.js";
import { authenticateRequest } from "./http/authenticate-request.js";
import { parseJsonObject } from "./http/read-body.js";
import {
  generationId,
  requestClaim,
  requestIdFrom,
  requestIdGenerated,
} from "./http/request-id.js";
import { requestFingerprinter, type Fingerprinter } from "./http/request-fingerprint.js";
import { sendError, sendJson } from "./http/respond.js";
import { MidStreamError } from "./core/inference-events.js";
import { chatCompletions } from "./protocols/openai-chat/handler.js";
import { completions } from "./protocols/openai-completions/handler.js";
import { createResponse } from "./protocols/responses/handler.js";
import { createMessage } from "./protocols/anthropic-messages/handler.js";
import { anthropicErrorBody } from "./errors/anthropic-error.js";
import { listModels, modelCapacity } from "./models/models.js";
import { serveOpenApi } from "./openapi/serve-openapi.js";
import { admit } from "./core/request-money.js";
import { serveAccount } from "./account/serve-account.js";
import { ACCOUNT_ROUTES } from "./account/account-routes.js";
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

/**
 * The OpenAI-compatible HTTP surface as routes of the front door's table: inference, models,
 * sealed bodies, the account and admin surface, stats, openapi and /health; any other `/v1/*`
 * path is the edge's 404 (after the sealed-body gate, which owns the encryption-key path).
 */
export function createEdgeRoutes(deps: EdgeDeps): HttpRoute[] {
  const fingerprint = requestFingerprinter(deps.options.prefixHashSecret);
  const pool = deps.account?.pool;
  const stats = createStatsRoute({
    routing: deps.routing,
    tokensServedToday: pool ? () => tokensServedToday(pool) : undefined,
  });
  const guarded =
    (run: (call: HttpCall) => Promise<void>) =>
    (call: HttpCall): Promise<void> =>
      run(call).catch((err: unknown) => {
        deps.log.error("edge handler crashed", { cause: describeCause(err) });
        if (!call.res.headersSent)
          sendError(
            call.res,
            new EdgeError(500, "server_error", "internal_error", "internal error"),
          );
        else call.res.end();
      });
  const inference = (route: Route | undefined): HttpRoute => ({
    methods: route ? [route.method] : ["GET", "HEAD", "POST", "PUT", "DELETE"],
    path: route?.path ?? "/v1/*",
    routeClass: route?.method === "GET" ? "none" : "inference",
    handle: guarded((call) => serve(deps, fingerprint, route, call)),
  });
  const account = deps.account;
  return [
    ...ROUTES.map(inference),
    inference(undefined),
    {
      methods: ["GET", "HEAD", "POST", "PUT", "DELETE"],
      path: "/health",
      routeClass: "none",
      handle: ({ res }) => Promise.resolve(sendJson(res, 200, { status: "ok" })),
    },
    {
      methods: ["GET", "HEAD", "POST", "PUT", "DELETE"],
      path: "/openapi.json",
      routeClass: "none",
      handle: ({ res }) => Promise.resolve(serveOpenApi(res)),
    },
    {
      methods: ["GET", "HEAD"],
      path: STATS_PATH,
      routeClass: "none",
      handle: guarded(({ req, res }) =>
        stats(req, res, requestIdFrom(req.headers["x-request-id"])),
      ),
    },
    ...(account
      ? ACCOUNT_ROUTES.map((route): HttpRoute => ({
          methods: [route.method],
          path: route.path,
          routeClass: route.method === "GET" ? "none" : "account",
          handle: guarded((call) => {
            const requestId = requestIdFrom(call.req.headers["x-request-id"]);
            const log = deps.log.child({ requestId });
            return serveAccount(deps, account, route, call, requestId, log);
          }),
        }))
      : []),
  ];
}

/** One inference-surface request; `route` undefined: a `/v1/*` path no route serves (404). */
async function serve(
  deps: EdgeDeps,
  fingerprint: Fingerprinter,
  route: Route | undefined,
  call: HttpCall,
): Promise<void> {
  const { req, res } = call;
  const requestId = requestIdFrom(req.headers["x-request-id"]);
  const path = call.url.pathname;
  const log = deps.log.child({ requestId });
  const timing = new RequestTiming();
  // inference requests (the POST routes) count in the traffic figures, whatever their outcome
  const countTraffic = (status: number): void => {
    if (route?.method !== "POST" || !deps.traffic) return;
    deps.traffic.record({
      atMs: Date.now(),
      status,
      ttftMs: timing.sinceStart("ttft"),
      latencyMs: timing.elapsed(),
    });
  };
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
    const principal = early ?? (await authenticateRequest(deps, req, "inference"));
    deps.onAuthenticated?.(req);
    timing.mark("auth");
    // The money sequence's first step (core/request-money.ts), before the body is read.
    if (route.method === "POST" && route.path !== "/v1/sealed/reserve")
      await admit(deps, principal);
    const json =
      route.method === "POST"
        ? parseJsonObject(gate.kind === "opened" ? gate.body : await call.readBody())
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
    countTraffic(res.statusCode);
  } catch (err) {
    const edge = err instanceof MidStreamError ? err.edge : toEdgeError(err);
    countTraffic(edge.status);
    logServerFailure(log, "request failed", edge);
    res.setHeader("x-request-id", requestId);
    if (!res.headersSent) res.setHeader("x-timing", timing.header());
    if (route?.errorBody && !res.headersSent)
      sendJson(res, edge.status, route.errorBody(edge), { ...edge.headers });
    else sendError(res, edge);
  }
}
