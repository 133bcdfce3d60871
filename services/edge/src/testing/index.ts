// @darkbloom/edge/testing: for tests only.
export { DEFAULT_TEST_LIMITS, serveRoutes, type ServedRoutes } from "./serve-routes.js";
