import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger, Registry } from "@darkbloom/telemetry";
import { metricsEndpoint } from "./metrics-endpoint.js";

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464 (scrape `${url}/metrics`). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Prometheus `/metrics` on its own listener (DARKBLOOM_METRICS_HOST:DARKBLOOM_METRICS_PORT), so
 * the API port never exposes process internals to the internet. Anything else is a 404.
 */
export async function startMetricsServer(
  metrics: Registry,
  host: string,
  port: number,
  log: Logger,
): Promise<MetricsServer> {
  const serve = metricsEndpoint(metrics, log);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/metrics") return serve(res);
    res.statusCode = 404;
    res.end();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
