// The contract between the coordinator's HTTP front door (services/edge/src/front-door) and the
// services that answer HTTP routes: a service exports route definitions, the edge's one route
// table decides which answers a request, reads bodies within the route class's limit and maps
// what a handler throws through libs/http-errors.
import type { IncomingMessage, ServerResponse } from "node:http";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "DELETE";

/**
 * What a route's body is, and so its size limit (docs/configuration.md, "Request bodies"):
 * `inference` and `account` JSON (DARKBLOOM_MAX_BODY_BYTES), `oauth-form` (device-code forms,
 * 16 KiB), `upload` (release and model-manifest uploads, 1 MiB), `mdm-checkin` (signed plists,
 * 64 KiB), `none` (a route that reads no body: static files, listings).
 */
export type RouteClass = "inference" | "account" | "oauth-form" | "upload" | "mdm-checkin" | "none";

export interface HttpCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The `{}` segments of the route's path, percent-encoded as they came. */
  readonly params: readonly string[];
  /** The body, at most the route class's limit (else a 413 HttpError, counted). */
  readonly readBody: () => Promise<Buffer>;
}

export interface HttpRoute {
  readonly methods: readonly HttpMethod[];
  /**
   * `/v1/keys`, `/v1/keys/{}` (one segment), or a trailing `/*` (any rest, at least one segment).
   * A literal segment outranks `{}`, which outranks `*`: the list's order never decides.
   */
  readonly path: string;
  readonly routeClass: RouteClass;
  handle(call: HttpCall): Promise<void>;
}
