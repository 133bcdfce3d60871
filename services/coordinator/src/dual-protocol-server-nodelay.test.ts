import type { Socket } from "node:net";
import { expect } from "chai";
import { DualProtocolServer } from "./dual-protocol-server.js";
import { rawClient } from "./testing/raw-client.js";
import { serverOptions } from "./testing/server-options.js";

/**
 * Node keeps a socket's TCP_NODELAY state under this symbol (net.js `kSetNoDelay`). There is no
 * public getter, and the effect itself (a small write held until the peer's delayed ACK, ~40 ms
 * on Linux) is a matter of timing, which tests do not assert.
 */
function noDelayOf(socket: Socket): boolean {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === "kSetNoDelay");
  if (symbol === undefined) throw new Error("this Node keeps no kSetNoDelay on its sockets");
  return (socket as unknown as Record<symbol, boolean | undefined>)[symbol] === true;
}

// Without TCP_NODELAY a streamed response's small writes waited for the client's delayed ACK:
// 47 ms of added time to first token at one stream in `npm run bench:overhead`. (HTTP/2 sessions
// and the ws library set it themselves; HTTP/1.1 sockets handed over by the first-byte router
// did not get http.Server's default.)
describe("DualProtocolServer sockets send small writes at once (TCP_NODELAY)", () => {
  const seen: Record<string, boolean> = {};
  const server = new DualProtocolServer(
    (req, res) => {
      seen.http1 = noDelayOf(req.socket);
      res.end("ok");
    },
    (_req, res) => res.end("ok"),
    serverOptions(),
  );
  server.onUpgrade((_req, socket) => {
    seen.upgrade = noDelayOf(socket as Socket);
    socket.end("upgraded");
  });
  let port = 0;
  before(async () => (port = await server.listen(0, "127.0.0.1")));
  after(() => server.close(1_000));

  it("on HTTP/1.1 requests and upgraded (WebSocket) sockets", async () => {
    expect(await (await fetch(`http://127.0.0.1:${port}/x`)).text()).to.equal("ok");
    const client = rawClient(port);
    client.socket.write(
      "GET /ws HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n",
    );
    await client.closed;
    expect(client.received()).to.equal("upgraded");
    expect(seen).to.deep.equal({ http1: true, upgrade: true });
  });
});
