// A service's routes behind the real front door on a loopback port, for that service's tests.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpRoute } from "@darkbloom/http-body";
import { createMetricsRegistry, type Registry } from "@darkbloom/telemetry";
import { bodyLimits } from "../front-door/body-limits.js";
import { createFrontDoor, type BodyLimits } from "../front-door/front-door.js";

/** The limits the coordinator uses by default (DARKBLOOM_MAX_BODY_BYTES = 4 MiB). */
export const DEFAULT_TEST_LIMITS: BodyLimits = bodyLimits(4 * 1024 * 1024);

export interface ServedRoutes {
  readonly base: string;
  readonly metrics: Registry;
  close(): Promise<void>;
}

export async function serveRoutes(
  routes: readonly HttpRoute[],
  limits: BodyLimits = DEFAULT_TEST_LIMITS,
  onError: (err: unknown) => void = () => undefined,
): Promise<ServedRoutes> {
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const door = createFrontDoor({ routes, limits, metrics, onError });
  const server = createServer((req, res) => {
    if (door.handle(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    metrics,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
