import { createLogger, createMetricsRegistry, createUnexpectedErrors } from "@darkbloom/telemetry";
import type { Registry } from "@darkbloom/telemetry";
import { createConnectionMetrics } from "../connection-metrics.js";
import type { ConnectionLimits, DualProtocolOptions } from "../dual-protocol-server.js";
import { UnauthenticatedConnections } from "../unauthenticated-connections.js";

/** Limits long enough never to fire in a test that is not about them. */
export const RELAXED_LIMITS: ConnectionLimits = {
  firstByteTimeoutMs: 60_000,
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 60_000,
  http2IdleTimeoutMs: 60_000,
};

/** DualProtocolServer options for a test, with its own metrics registry to read back. */
export function serverOptions(
  limits: Partial<ConnectionLimits> = {},
  maxUnauthenticatedPerAddress = 0,
): DualProtocolOptions & {
  registry: Registry;
  metric(name: string, labels?: string): Promise<number>;
} {
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const metrics = createConnectionMetrics(registry);
  return {
    registry,
    limits: { ...RELAXED_LIMITS, ...limits },
    metrics,
    errors: createUnexpectedErrors(
      registry,
      createLogger({ level: "error", write: () => undefined }),
    ),
    unauthenticated: new UnauthenticatedConnections(
      maxUnauthenticatedPerAddress,
      metrics.unauthenticated,
    ),
    async metric(name, labels = "") {
      const text = await registry.metrics();
      const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `));
      return line ? Number(line.split(" ")[1]) : 0;
    },
  };
}
