import type { IncomingMessage, ServerResponse } from "node:http";
import { EdgeError } from "../errors/edge-error.js";
import { sendError, sendJson } from "../http/respond.js";
import { StatsCache } from "./stats-cache.js";
import {
  computeNetworkStats,
  type NetworkStats,
  type NetworkStatsSources,
} from "./network-stats.js";

export const STATS_PATH = "/v1/stats";
/** How long one computation of the stats is served (they are read on every landing page view). */
export const STATS_CACHE_MS = 5_000;

/** GET /v1/stats (public, cached): the network figures of network-stats.ts. */
export function createStatsRoute(sources: NetworkStatsSources, ttlMs = STATS_CACHE_MS) {
  const cache = new StatsCache<NetworkStats>(() => computeNetworkStats(sources), ttlMs);
  return async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    res.setHeader("x-request-id", requestId);
    if (req.method !== "GET" && req.method !== "HEAD")
      return sendError(
        res,
        new EdgeError(
          405,
          "invalid_request_error",
          "method_not_allowed",
          `${STATS_PATH} accepts GET`,
          null,
          {
            allow: "GET",
          },
        ),
      );
    const stats = await cache.get();
    sendJson(res, 200, stats, {
      "cache-control": `public, max-age=${Math.ceil(ttlMs / 1000)}`,
      "access-control-allow-origin": "*",
    });
  };
}
