import { createServer, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isInferenceRequest } from "@darkbloom/edge";
import { createMetricsRegistry } from "@darkbloom/telemetry";
import { expect } from "chai";
import { createActiveStreams } from "./active-streams.js";

describe("darkbloom_active_streams", () => {
  const gaugeValue = async (registry: ReturnType<typeof createMetricsRegistry>) => {
    const m = await registry.getSingleMetric("darkbloom_active_streams")?.get();
    return m?.values[0]?.value ?? NaN;
  };

  it("counts a response from arrival until it ends, and until the client goes away", async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const streams = createActiveStreams(registry);
    const open: ServerResponse[] = [];
    const server = createServer((_req, res) => {
      streams.track(res);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: first\n\n");
      open.push(res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    const start = () =>
      new Promise<ReturnType<typeof request>>((resolve) => {
        const req = request({ host: "127.0.0.1", port, method: "POST", path: "/" }, (res) => {
          res.resume();
          resolve(req);
        });
        req.end();
      });
    try {
      expect(await gaugeValue(registry)).to.equal(0);
      const a = await start();
      const b = await start();
      expect(await gaugeValue(registry)).to.equal(2);
      const closed = new Promise((r) => open[0]?.once("close", r));
      open[0]?.end();
      await closed;
      expect(await gaugeValue(registry)).to.equal(1);
      const gone = new Promise((r) => open[1]?.once("close", r));
      b.destroy();
      await gone;
      expect(await gaugeValue(registry)).to.equal(0);
      a.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("only inference requests count: the POST routes a provider answers, not listings, sealed reservations or unknown paths", () => {
    const cases: [string, string, boolean][] = [
      ["POST", "/v1/chat/completions", true],
      ["POST", "/v1/completions", true],
      ["POST", "/v1/responses", true],
      ["POST", "/v1/messages", true],
      ["POST", "/v1/sealed/completions", true],
      ["POST", "/v1/sealed/reserve", false],
      ["GET", "/v1/chat/completions", false],
      ["GET", "/v1/models", false],
      ["POST", "/v1/nope", false],
    ];
    for (const [method, path, counted] of cases)
      expect(isInferenceRequest(method, path), `${method} ${path}`).to.equal(counted);
  });
});
