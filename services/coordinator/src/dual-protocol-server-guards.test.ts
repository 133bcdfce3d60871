import http2 from "node:http2";
import { expect } from "chai";
import { DualProtocolServer } from "./dual-protocol-server.js";
import { rawClient } from "./testing/raw-client.js";
import { serverOptions } from "./testing/server-options.js";

/** A handler that parses its URL the way the old upgrade listener did: "/\[x" throws. */
const parsePath = (url: string | undefined): string => new URL(url ?? "/", "http://x").pathname;

async function h2Get(port: number, path: string): Promise<number> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<number>((resolve, reject) => {
      const req = session.request({ ":path": path });
      req.on("response", (headers) => resolve(Number(headers[":status"])));
      req.on("error", reject);
      req.resume();
      req.end();
    });
  } finally {
    session.close();
  }
}

describe("DualProtocolServer guards", () => {
  const options = serverOptions();
  const server = new DualProtocolServer(
    (req, res) => res.end(parsePath(req.url)),
    (req, res) => res.end(parsePath(req.url)),
    options,
  );
  server.onUpgrade((req, socket) => socket.end(`upgraded ${parsePath(req.url)}`));
  let port = 0;
  before(async () => (port = await server.listen(0, "127.0.0.1")));
  after(() => server.close(1_000));

  const get = async (path: string): Promise<Response> => fetch(`http://127.0.0.1:${port}${path}`);

  it("an HTTP/1.1 handler that throws answers 500 and the server keeps serving", async () => {
    const client = rawClient(port);
    client.socket.write("GET /\\[x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    await client.closed;
    expect(client.received())
      .to.match(/^HTTP\/1\.1 500/)
      .and.include('"code":"internal_error"');
    expect(
      await options.metric("darkbloom_unexpected_errors_total", '{source="http_request"}'),
    ).to.equal(1);
    expect(await (await get("/ok")).text()).to.equal("/ok");
  });

  it("an HTTP/2 handler that throws answers 500 and the server keeps serving", async () => {
    expect(await h2Get(port, "/\\[x")).to.equal(500);
    expect(await h2Get(port, "/fine")).to.equal(200);
  });

  it("an upgrade handler that throws destroys only its socket and is counted", async () => {
    const before = await options.metric("darkbloom_unexpected_errors_total", '{source="upgrade"}');
    const client = rawClient(port);
    client.socket.write(
      "GET /\\[x HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n",
    );
    await client.closed;
    expect(client.received()).to.equal("");
    expect(
      await options.metric("darkbloom_unexpected_errors_total", '{source="upgrade"}'),
    ).to.equal(before + 1);
    const fine = rawClient(port);
    fine.socket.write("GET /ws HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: x\r\n\r\n");
    await fine.closed;
    expect(fine.received()).to.equal("upgraded /ws");
  });
});
