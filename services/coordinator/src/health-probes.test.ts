import http from "node:http";
import { expect } from "chai";
import { HealthProbes } from "./health-probes.js";

describe("HealthProbes", () => {
  it("answers /readyz 503 while starting and draining, 200 when ready; /healthz always 200", async () => {
    const probes = new HealthProbes();
    const server = http.createServer((req, res) => {
      if (!probes.handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as { port: number };
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      const body: unknown = await res.json().catch(() => null);
      return { status: res.status, body };
    };
    try {
      expect(await get("/readyz")).to.deep.equal({ status: 503, body: { status: "starting" } });
      expect((await get("/healthz")).status).to.equal(200);
      probes.ready();
      expect(await get("/readyz")).to.deep.equal({ status: 200, body: { status: "ready" } });
      probes.drain();
      expect(await get("/readyz")).to.deep.equal({ status: 503, body: { status: "draining" } });
      probes.ready(); // a drain is final
      expect((await get("/readyz")).status).to.equal(503);
      expect(await get("/healthz")).to.deep.equal({ status: 200, body: { status: "alive" } });
      expect((await get("/readyzz")).status).to.equal(404);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
