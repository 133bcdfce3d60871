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

  it("sends the headers and the events of a tick in one socket write, or two when flushed in between", async () => {
    const writes: number[] = [];
    const server = http.createServer((_req, res) => {
      const socket = res.socket as net.Socket & {
        _write: (...args: unknown[]) => void;
        _writev: (...args: unknown[]) => void;
      };
      // net.Socket's Writable implementation: each call is one write to the kernel
      const write = socket._write.bind(socket);
      const writev = socket._writev.bind(socket);
      socket._write = (...args: unknown[]) => {
        writes.push(1);
        write(...args);
      };
      socket._writev = (...args: unknown[]) => {
        writes.push(1);
        writev(...args);
      };
      const sse = new SseWriter(res);
      sse.start({ "x-test": "1" });
      void sse.events([{ data: { a: 1 } }, { data: { b: 2 } }]);
      sse.flush();
      void sse.events([{ data: { c: 3 } }]);
      void sse.events([{ data: { d: 4 } }]);
      setImmediate(() => void sse.done());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(res.headers.get("x-test")).to.equal("1");
      const body = await res.text();
      expect(body).to.equal(
        'data: {"a":1}\n\ndata: {"b":2}\n\ndata: {"c":3}\n\ndata: {"d":4}\n\ndata: [DONE]\n\n',
      );
      // headers + the events before the flush in one write, the rest of the tick in another;
      // [DONE] and the end of the body in a third
      expect(writes).to.have.length(3);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("flush hands the headers and the events so far to the socket at once, not at the tick's end", async () => {
    let writesAfterFirst = -1;
    let writesAfterSecond = -1;
    const server = http.createServer((_req, res) => {
      const socket = res.socket as net.Socket & {
        _write: (...args: unknown[]) => void;
        _writev: (...args: unknown[]) => void;
      };
      let writes = 0;
      const write = socket._write.bind(socket);
      const writev = socket._writev.bind(socket);
      socket._write = (...args: unknown[]) => {
        writes++;
        write(...args);
      };
      socket._writev = (...args: unknown[]) => {
        writes++;
        writev(...args);
      };
      const sse = new SseWriter(res);
      sse.start({});
      void sse.events([{ data: { first: true } }]);
      sse.flush();
      writesAfterFirst = writes;
      void sse.events([{ data: { second: true } }]);
      writesAfterSecond = writes;
      setImmediate(() => void sse.done());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(await res.text()).to.equal(
        'data: {"first":true}\n\ndata: {"second":true}\n\ndata: [DONE]\n\n',
      );
      // the first event reached the kernel within the call; the second waits for the tick's end
      expect(writesAfterFirst).to.equal(1);
      expect(writesAfterSecond).to.equal(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("hands the events of one tick to the response as one write (one HTTP chunk), pre-serialised ones as given", async () => {
    const writes: string[] = [];
    const server = http.createServer((_req, res) => {
      const write = res.write.bind(res) as (chunk: string) => boolean;
      res.write = ((chunk: string) => {
        writes.push(chunk);
        return write(chunk);
      }) as typeof res.write;
      const sse = new SseWriter(res);
      sse.start({});
      void sse.events([{ data: { a: 1 } }]);
      void sse.events([
        { data: { ignored: true }, json: '{"b":2}' },
        { data: { c: 3 }, event: "e" },
      ]);
      setImmediate(() => {
        void sse.events([{ data: { d: 4 } }]);
        void sse.done();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(body).to.equal(
        'data: {"a":1}\n\ndata: {"b":2}\n\nevent: e\ndata: {"c":3}\n\ndata: {"d":4}\n\ndata: [DONE]\n\n',
      );
      // the first tick's three events in one write; the second tick's event leaves with [DONE]
      expect(writes).to.deep.equal([
        'data: {"a":1}\n\ndata: {"b":2}\n\nevent: e\ndata: {"c":3}\n\n',
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
