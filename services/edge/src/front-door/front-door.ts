// The coordinator's single HTTP front door: one route table for every HTTP route (inference,
// account and admin, stats, openapi, device code, releases, enrollment, console sign-in and
// files), one body reader with one limit per route class, one error mapping (libs/http-errors),
// and one counter of refused bodies. Connect RPC paths are not HTTP routes: `handle` says false.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, type HttpRoute, type RouteClass } from "@darkbloom/http-body";
import { HttpError, openAiErrorBody, toHttpError } from "@darkbloom/http-errors";
import { Counter, type Registry } from "@darkbloom/telemetry";
import { sendJson } from "../http/respond.js";
import { RouteTable } from "./route-table.js";

export const BODY_TOO_LARGE_METRIC = "darkbloom_http_body_too_large_total";

/** The body limit of each route class, in bytes (a `none` route reads no body: 0). */
export type BodyLimits = Readonly<Record<Exclude<RouteClass, "none">, number>>;

export interface FrontDoorOptions {
  readonly routes: readonly HttpRoute[];
  readonly limits: BodyLimits;
  readonly metrics: Registry;
  /** A handler failed with a server error (5xx): for the log. */
  onError(err: unknown): void;
  /** A request a route answers, before its handler runs (the bootstrap tracks in-flight ones). */
  onRoute?(route: HttpRoute, req: IncomingMessage, res: ServerResponse): void;
}

export interface FrontDoor {
  readonly table: RouteTable;
  /** Answers a request of the route table; false when no route serves its path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export function createFrontDoor(options: FrontDoorOptions): FrontDoor {
  const table = new RouteTable(options.routes);
  const tooLarge = new Counter({
    name: BODY_TOO_LARGE_METRIC,
    help: "Requests refused with 413 because the body exceeded its route class's limit",
    labelNames: ["route_class"],
    registers: [options.metrics],
  });
  const limitOf = (routeClass: RouteClass): number =>
    routeClass === "none" ? 0 : options.limits[routeClass];

  function fail(res: ServerResponse, err: unknown): void {
    const e = toHttpError(err);
    if (e.status >= 500) options.onError(err);
    if (res.headersSent) return void res.end();
    sendJson(res, e.status, openAiErrorBody(e), { ...e.headers });
  }

  return {
    table,
    handle(req, res) {
      const url = URL.parse(req.url ?? "/", "http://front-door");
      // A target no URL parser accepts (`/\[x`) is no route's: the Connect adapter refuses it.
      if (url === null) return false;
      const found = table.lookup(req.method ?? "GET", url.pathname);
      if (found === undefined) return false;
      if (found.kind === "method") {
        const allow = found.allow.join(", ");
        fail(
          res,
          new HttpError(
            405,
            "invalid_request_error",
            "method_not_allowed",
            `${url.pathname} accepts ${allow}`,
            null,
            { allow },
          ),
        );
        return true;
      }
      const { route, params } = found;
      // Counted from the response: a 413 is a refused body whichever reader refused it.
      res.once("finish", () => {
        if (res.statusCode === 413) tooLarge.inc({ route_class: route.routeClass });
      });
      options.onRoute?.(route, req, res);
      const limit = limitOf(route.routeClass);
      // A handler that throws before its promise exists fails the same way as one that rejects.
      new Promise<void>((resolve) =>
        resolve(route.handle({ req, res, url, params, readBody: () => readBody(req, limit) })),
      ).catch((err: unknown) => fail(res, err));
      return true;
    },
  };
}
