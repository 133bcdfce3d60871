import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";
import type { Logger, Registry } from "@darkbloom/telemetry";

/** GET /metrics: the process's Prometheus registry in text format. */
export function metricsEndpoint(
  metrics: Registry,
  log: Logger,
): (res: ServerResponse | Http2ServerResponse) => void {
  return (res) => {
    metrics
      .metrics()
      .then((text) => {
        res.setHeader("content-type", metrics.contentType);
        res.end(text);
      })
      .catch((err: unknown) => {
        log.error("metrics failed", { error: String(err) });
        res.statusCode = 500;
        res.end();
      });
  };
}
