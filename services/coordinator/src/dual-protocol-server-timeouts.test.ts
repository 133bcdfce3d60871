import http2 from "node:http2";
import { expect } from "chai";
import { DualProtocolServer } from "./dual-protocol-server.js";
import { rawClient, sleep } from "./testing/raw-client.js";
import { serverOptions } from "./testing/server-options.js";

const LIMITS = {
  firstByteTimeoutMs: 300,
  headersTimeoutMs: 300,
  requestTimeoutMs: 600,
  keepAliveTimeoutMs: 300,
  http2IdleTimeoutMs: 300,
};
/** Longer than every limit above together: whatever must survive them is checked after this. */
const PAST_ALL_LIMITS_MS = 2_000;

describe("DualProtocolServer connection timeouts", function () {
  this.timeout(10_000);
  const options = serverOptions(LIMITS);
  const streams = new Set<() => void>();
  const server = new DualProtocolServer(
    (req, res) => {
      if (req.url === "/stream") {
        // A long response after a complete request (an SSE stream): never cut by the limits.
        res.writeHead(200, { "content-type": "text/event-stream" });
        const tick = setInterval(() => res.write("data: tick\n\n"), 100);
        const end = (): void => {
          clearInterval(tick);
          res.end();
        };
        streams.add(end);
        res.once("close", () => (clearInterval(tick), streams.delete(end)));
        return;
      }
      req.resume();
      req.once("end", () => res.end("done"));
    },
    (req, res) => {
      req.resume();
      req.once("end", () => res.end("done"));
    },
    options,
  );
  server.onUpgrade((_req, socket) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n");
    socket.on("data", (b: Buffer) => socket.write(b));
  });
  let port = 0;
  before(async () => (port = await server.listen(0, "127.0.0.1")));
  after(async () => {
    for (const end of streams) end();
    await server.close(1_000);
  });
  const timedOut = (phase: string): Promise<number> =>
    options.metric("darkbloom_connections_timed_out_total", `{phase="${phase}"}`);

  it("closes a connection that sends nothing", async () => {
    const client = rawClient(port);
    await client.closed;
    expect(client.received()).to.equal("");
    expect(await timedOut("first_byte")).to.be.greaterThan(0);
  });

  it("answers 408 to request headers that never complete (one byte)", async () => {
    const client = rawClient(port);
    client.socket.write("G");
    await client.closed;
    expect(client.received())
      .to.match(/^HTTP\/1\.1 408/)
      .and.include('"code":"timeout"');
  });

  it("answers 408 to a body trickled slower than the request timeout", async () => {
    const client = rawClient(port);
    client.socket.write("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n");
    const trickle = setInterval(() => client.socket.write("x"), 50);
    await client.closed;
    clearInterval(trickle);
    expect(client.received()).to.match(/^HTTP\/1\.1 408/);
    expect(await timedOut("http1_request")).to.be.greaterThan(0);
  });

  it("closes an idle keep-alive connection after its request was answered", async () => {
    const client = rawClient(port);
    client.socket.write("GET /once HTTP/1.1\r\nhost: x\r\n\r\n");
    await client.closed;
    expect(client.received())
      .to.match(/^HTTP\/1\.1 200/)
      .and.match(/done$/);
  });

  it("closes an HTTP/2 connection that sent only the preface", async () => {
    const client = rawClient(port);
    client.socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    await client.closed;
    expect(await timedOut("http2_idle")).to.be.greaterThan(0);
  });

  it("resets an HTTP/2 stream whose body is trickled, and keeps serving the session", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    try {
      const slow = session.request({ ":method": "POST", ":path": "/slow" });
      slow.on("error", () => undefined);
      slow.resume();
      const trickle = setInterval(() => slow.write("x"), 50);
      await new Promise((resolve) => slow.once("close", resolve));
      clearInterval(trickle);
      expect(slow.rstCode).to.equal(http2.constants.NGHTTP2_CANCEL);
      expect(await timedOut("http2_request")).to.be.greaterThan(0);
      const fine = session.request({ ":path": "/fine" });
      let body = "";
      fine.on("data", (b: Buffer) => (body += b.toString()));
      await new Promise((resolve) => fine.once("end", resolve));
      expect(body).to.equal("done");
    } finally {
      session.close();
    }
  });

  it("never cuts a long response stream or an upgraded socket", async () => {
    const stream = rawClient(port);
    stream.socket.write("GET /stream HTTP/1.1\r\nhost: x\r\n\r\n");
    const upgraded = rawClient(port);
    upgraded.socket.write(
      "GET /ws HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: x\r\n\r\n",
    );
    await sleep(PAST_ALL_LIMITS_MS);
    expect(stream.isClosed(), "the stream was cut").to.equal(false);
    expect(upgraded.isClosed(), "the upgraded socket was cut").to.equal(false);
    const ticks = stream.received().split("data: tick").length - 1;
    expect(ticks).to.be.greaterThan(PAST_ALL_LIMITS_MS / 100 / 2);
    upgraded.socket.write("still here");
    await sleep(50);
    expect(upgraded.received()).to.match(/still here$/);
    stream.socket.destroy();
    upgraded.socket.destroy();
    await Promise.all([stream.closed, upgraded.closed]);
  });
});

describe("DualProtocolServer per-address cap on unauthenticated connections", () => {
  const options = serverOptions({}, 2);
  const server = new DualProtocolServer(
    (req, res) => {
      if (req.url === "/login") options.unauthenticated.authenticated(req.socket);
      res.end("ok");
    },
    (_req, res) => res.end("ok"),
    options,
  );
  let port = 0;
  before(async () => (port = await server.listen(0, "127.0.0.1")));
  after(() => server.close(1_000));

  it("refuses the address's excess with 429, not other addresses, and frees a slot on authentication", async () => {
    const held = [rawClient(port, "127.0.0.2"), rawClient(port, "127.0.0.2")];
    await Promise.all(held.map((c) => new Promise((r) => c.socket.once("connect", r))));
    await sleep(50); // accepted and counted by the server
    const excess = rawClient(port, "127.0.0.2");
    await excess.closed;
    expect(excess.received())
      .to.match(/^HTTP\/1\.1 429/)
      .and.include("too_many_connections");
    expect(
      await options.metric("darkbloom_connections_refused_total", '{reason="per_address_cap"}'),
    ).to.equal(1);

    // Another address is not affected.
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).to.equal("ok");

    // One of the held connections authenticates: it no longer counts, so a new one fits.
    const [first, second] = held;
    first?.socket.write("GET /login HTTP/1.1\r\nhost: x\r\n\r\n");
    while (!first?.received().endsWith("ok")) await sleep(10);
    const admitted = rawClient(port, "127.0.0.2");
    admitted.socket.write("GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    await admitted.closed;
    expect(admitted.received()).to.match(/^HTTP\/1\.1 200/);
    for (const c of [first, second]) c?.socket.destroy();
  });
});
