// The coordinator's one HTTP front door (services/edge/src/front-door): every HTTP route of every
// service in one table, bodies within one limit per route class, in-flight requests tracked for
// the drain.
import type { ServerResponse } from "node:http";
import { bodyLimits, createFrontDoor, isInferenceRequest } from "@darkbloom/edge";
import type { HttpRoute } from "@darkbloom/http-body";
import type { Logger, Registry } from "@darkbloom/telemetry";
import type { ActiveStreams } from "../active-streams.js";

export interface FrontDoorTracking {
  /** Responses a drain waits for before provider sockets close. */
  readonly inFlight: Set<ServerResponse>;
  readonly activeStreams: ActiveStreams;
}

export function buildFrontDoor(
  routes: readonly HttpRoute[],
  maxBodyBytes: number,
  tracking: FrontDoorTracking,
  metrics: Registry,
  log: Logger,
) {
  return createFrontDoor({
    routes,
    limits: bodyLimits(maxBodyBytes),
    metrics,
    onError: (err) => log.error("http route failed", { error: String(err) }),
    onRoute(_route, req, res) {
      tracking.inFlight.add(res);
      res.once("close", () => tracking.inFlight.delete(res));
      if (isInferenceRequest(req.method, new URL(req.url ?? "/", "http://x").pathname))
        tracking.activeStreams.track(res);
    },
  });
}
