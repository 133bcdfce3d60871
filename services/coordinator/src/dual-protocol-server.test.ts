import net from "node:net";
import { expect } from "chai";
import { DualProtocolServer } from "./dual-protocol-server.js";
import { serverOptions } from "./testing/server-options.js";

/** Sends raw HTTP/1.1 on one socket and collects everything the server writes until it closes. */
function rawClient(port: number): {
  socket: net.Socket;
  received: () => string;
  closed: Promise<void>;
} {
  const socket = net.connect(port, "127.0.0.1");
  let text = "";
  socket.on("data", (b: Buffer) => (text += b.toString()));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, received: () => text, closed };
}

const until = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

describe("DualProtocolServer drain", () => {
  it("lets requests in progress finish, closes their connections after, and refuses new ones", async function () {
    this.timeout(5_000);
    let releaseBuffered: () => void = () => undefined;
    let releaseStream: () => void = () => undefined;
    const server = new DualProtocolServer(
      (req, res) => {
        if (req.url === "/buffered") {
          releaseBuffered = () => res.writeHead(200, { "content-length": "2" }).end("ok");
        } else {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write("data: 1\n\n");
          releaseStream = () => res.end("data: 2\n\n");
        }
      },
      () => undefined,
      serverOptions(),
    );
    const port = await server.listen(0, "127.0.0.1");
    const buffered = rawClient(port);
    const streamed = rawClient(port);
    buffered.socket.write("GET /buffered HTTP/1.1\r\nhost: x\r\n\r\n");
    streamed.socket.write("GET /stream HTTP/1.1\r\nhost: x\r\n\r\n");
    await until(() => streamed.received().includes("data: 1"));

    const closing = server.close(60_000);
    const refused = await new Promise<boolean>((resolve) => {
      const probe = net.connect(port, "127.0.0.1");
      probe.once("connect", () => (probe.destroy(), resolve(false)));
      probe.once("error", () => resolve(true));
    });
    expect(refused, "a new connection was accepted during the drain").to.equal(true);

    releaseBuffered();
    releaseStream();
    // Closed by the server right after their responses, long before the grace period.
    await Promise.all([buffered.closed, streamed.closed]);
    expect(buffered.received())
      .to.match(/^HTTP\/1\.1 200/)
      .and.match(/connection: close/i);
    expect(buffered.received().endsWith("ok")).to.equal(true);
    expect(streamed.received()).to.include("data: 2");
    await closing;
  });
});
