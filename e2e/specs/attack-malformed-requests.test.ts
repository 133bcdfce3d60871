import http2 from "node:http2";
import net from "node:net";
import { expect } from "chai";
import { processLeakCheck } from "../testbed/process-audit.js";
import { startCoordinator, type RunningCoordinator } from "../testbed/testbed.js";

/** Writes raw bytes on a fresh connection; resolves with all the coordinator wrote until it closed. */
async function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let text = "";
  socket.on("data", (b: Buffer) => (text += b.toString("latin1")));
  socket.on("error", () => undefined);
  socket.write(bytes);
  // Nothing here asks to keep the connection: the coordinator closes it (or its idle timeout does).
  setTimeout(() => socket.end(), 2_000);
  await new Promise((resolve) => socket.once("close", resolve));
  return text;
}

async function h2Status(url: string, path: string): Promise<number> {
  const session = http2.connect(url);
  session.on("error", () => undefined);
  try {
    return await new Promise<number>((resolve, reject) => {
      const req = session.request({
        ":path": path,
        ":method": "POST",
        "content-type": "application/json",
      });
      req.on("response", (h) => resolve(Number(h[":status"])));
      req.on("error", reject);
      req.resume();
      req.end("{");
    });
  } finally {
    session.close();
  }
}

const upgrade = (target: string, extra = ""): string =>
  `GET ${target} HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: websocket\r\n` +
  `sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

/** Anything anyone on the network can send before authenticating, none of it well-formed. */
const MALFORMED: ReadonlyArray<{ name: string; bytes: string; status?: "4xx" | "101" }> = [
  { name: "an upgrade for /\\[x (the reported crash)", bytes: upgrade("/\\[x") },
  { name: "an upgrade for //[x", bytes: upgrade("//[x") },
  {
    name: "an upgrade for an absolute URL with a bad host",
    bytes: upgrade("http://[x/v1/provider/connect"),
  },
  { name: "an upgrade for *", bytes: upgrade("*") },
  {
    name: "a provider upgrade with a broken WebSocket key",
    bytes: upgrade("/v1/provider/connect").replace("dGhlIHNhbXBsZSBub25jZQ==", "%%%"),
  },
  {
    name: "a provider upgrade with a query of /\\[x (a valid upgrade: the query is ignored)",
    bytes: upgrade("/v1/provider/connect?\\[x"),
    status: "101",
  },
  { name: "a GET of /\\[x", bytes: "GET /\\[x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n" },
  {
    name: "a GET of /v1/\\[x",
    bytes: "GET /v1/\\[x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
  },
  {
    name: "a GET of /v1/device/\\[x",
    bytes: "GET /v1/device/\\[x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
  },
  { name: "a GET of %", bytes: "GET /% HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n" },
  {
    name: "a header with a control byte",
    bytes: "GET /health HTTP/1.1\r\nhost: x\r\nx-bad: a\u0001b\r\n\r\n",
  },
  {
    name: "a request line that is not HTTP",
    bytes: "\u0000\u00ff\u0016\u0003\u0001 hello\r\n\r\n",
  },
  {
    name: "a Connect call with a truncated JSON body",
    bytes:
      "POST /darkbloom.v1.LedgerService/GetBalance HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
      "content-length: 1\r\nconnection: close\r\n\r\n{",
  },
];

describe("attack: malformed requests from anyone on the network cannot crash the coordinator", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    coordinator = await startCoordinator();
  });
  after(async () => coordinator?.stop());
  after(() => leaks.assertNoneLeft());

  const alive = (): boolean => coordinator?.process.child.exitCode === null;

  for (const { name, bytes, status: expected = "4xx" } of MALFORMED) {
    it(`${name}: answered ${expected} (or closed), and the coordinator keeps serving`, async () => {
      const url = coordinator?.url ?? "";
      const answer = await rawExchange(url, bytes);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      if (expected === "101") expect(status, answer).to.equal("101");
      else if (status !== undefined) expect(Number(status), answer).to.be.within(400, 499);
      expect(alive(), `the coordinator exited:\n${coordinator?.process.output()}`).to.equal(true);
      const health = await fetch(`${url}/health`);
      expect(health.status).to.equal(200);
    });
  }

  it("HTTP/2: a Connect call for /\\[x and one with a truncated body get a 4xx", async () => {
    const url = coordinator?.url ?? "";
    expect(await h2Status(url, "/\\[x")).to.be.within(400, 499);
    expect(await h2Status(url, "/darkbloom.v1.LedgerService/GetBalance")).to.be.within(400, 499);
    expect(alive()).to.equal(true);
  });

  it("exports the unexpected-error counter (at zero: every input above was handled, none escaped)", async () => {
    const text = await (await fetch(`${coordinator?.metricsUrl ?? ""}/metrics`)).text();
    const samples = text
      .split("\n")
      .filter((l) => l.startsWith("darkbloom_unexpected_errors_total{"));
    expect(samples).to.include('darkbloom_unexpected_errors_total{source="upgrade"} 0');
    expect(samples).to.include('darkbloom_unexpected_errors_total{source="uncaught_exception"} 0');
    for (const s of samples) expect(s, s).to.match(/ 0$/);
  });
});
