// The whole public surface of @darkbloom/http-body: the one request-body reader and the route
// definitions services hand to the edge's front door.
export { readBody } from "./read-body.js";
export type { HttpCall, HttpMethod, HttpRoute, RouteClass } from "./route.js";
