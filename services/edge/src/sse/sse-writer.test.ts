import http from "node:http";
import net from "node:net";
import { expect } from "chai";
import { EdgeError } from "../errors/edge-error.js";
import { SseWriter } from "./sse-writer.js";

describe("SseWriter", () => {
  it("fails with 499 and closes the stream when the consumer leaves its buffer full past the grace window", async () => {
    let outcome: unknown;
    let destroyed = false;
    const server = http.createServer((_req, res) => {
      const sse = new SseWriter(res, 50);
      sse.start({});
      void (async () => {
        const big = "x".repeat(64 * 1024);
        try {
          for (;;) await sse.data({ big });
        } catch (err) {
          outcome = err;
          destroyed = res.destroyed;
        }
      })();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    // A consumer that sends its request and then never reads.
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      socket.pause();
    });
    try {
      while (outcome === undefined) await new Promise((r) => setTimeout(r, 10));
      expect(outcome).to.be.instanceOf(EdgeError);
      expect((outcome as EdgeError).status).to.equal(499);
      expect((outcome as EdgeError).code).to.equal("slow_consumer");
      expect(destroyed).to.equal(true);
    } finally {
      socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
