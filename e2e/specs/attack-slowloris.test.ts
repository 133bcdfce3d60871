import net from "node:net";
import { expect } from "chai";
import { FakeProvider } from "@darkbloom/testing";
import { ManualStream, pumpHeartbeats } from "../chaos/manual-stream.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

/** Short limits so the attack plays out in seconds (production defaults: docs/configuration.md). */
const LIMITS_ENV = {
  DARKBLOOM_FIRST_BYTE_TIMEOUT_MS: "1000",
  DARKBLOOM_HEADERS_TIMEOUT_MS: "1000",
  DARKBLOOM_REQUEST_TIMEOUT_MS: "2000",
  DARKBLOOM_KEEP_ALIVE_TIMEOUT_MS: "1000",
  DARKBLOOM_HTTP2_IDLE_TIMEOUT_MS: "1000",
  DARKBLOOM_MAX_UNAUTHENTICATED_CONNECTIONS_PER_ADDRESS: "5",
  DARKBLOOM_SSE_KEEP_ALIVE_MS: "300",
};
/** Longer than every limit above put together. */
const PAST_ALL_LIMITS_MS = 6_000;
/** The attacker's address: another loopback address than the one the test's own requests use. */
const ATTACKER = "127.0.0.2";

interface Attacker {
  name: string;
  socket: net.Socket;
  received(): string;
  closed: Promise<void>;
  stop(): void;
}

/** A connection (from the attacker's address) that does `act` and never finishes a request. */
function attacker(
  url: string,
  name: string,
  act: (s: net.Socket) => (() => void) | void,
  localAddress = ATTACKER,
): Attacker {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ port: Number(port), host: hostname, localAddress });
  let text = "";
  let stop: () => void = () => undefined;
  socket.on("data", (b: Buffer) => (text += b.toString()));
  socket.on("error", () => undefined);
  socket.once("connect", () => (stop = act(socket) ?? stop));
  const closed = new Promise<void>((resolve) => socket.once("close", () => (stop(), resolve())));
  return { name, socket, received: () => text, closed, stop: () => (stop(), socket.destroy()) };
}

const trickle = (socket: net.Socket, everyMs: number, bytes: string): (() => void) => {
  const timer = setInterval(() => socket.write(bytes), everyMs);
  return () => clearInterval(timer);
};

async function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function metricSamples(metricsUrl: string, name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m?.[1] === name) samples.set(m[2] ?? "", Number(m[3]));
  }
  return samples;
}

describe("attack: slowloris (idle, one-byte, preface-only and trickling connections)", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  let fake: FakeProvider | undefined;
  let stopHeartbeats: () => void = () => undefined;
  const attackers: Attacker[] = [];
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({ users: 1, env: LIMITS_ENV });
    // The provider connects first: once registered, its WebSocket is an authenticated one.
    fake = new FakeProvider({
      url: providerSocketUrl(cluster.coordinators[0]?.url ?? ""),
      models: [TEST_MODEL_ID],
      reply: () => ({ pieces: [], complete: false }),
    });
    await fake.connect();
    stopHeartbeats = pumpHeartbeats([fake], 500);
  });
  after(async () => {
    for (const a of attackers) a.stop();
    stopHeartbeats();
    await fake?.close();
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  const url = (): string => cluster?.coordinators[0]?.url ?? "";
  const apiKey = (): string => cluster?.users[0]?.apiKey ?? "";
  const metricsUrl = (): string => cluster?.coordinators[0]?.metricsUrl ?? "";

  it("closes each after its phase's timeout, serves fresh requests meanwhile, and refuses the address's excess", async () => {
    const open = [
      attacker(url(), "silent", () => undefined),
      attacker(url(), "one byte of HTTP/1.1", (s) => void s.write("G")),
      attacker(url(), "one byte of the HTTP/2 preface", (s) => void s.write("P")),
      attacker(
        url(),
        "the HTTP/2 preface only",
        (s) => void s.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
      ),
      attacker(url(), "headers trickled", (s) => {
        s.write("GET /v1/models HTTP/1.1\r\nhost: x\r\n");
        return trickle(s, 200, "x-slow: 1\r\n");
      }),
    ];
    // A consumer with a valid key (so not counted as unauthenticated, and from the test's own
    // address) that trickles its body: authenticated requests get no more time than the limit.
    const trickler = attacker(
      url(),
      "body trickled",
      (s) => {
        s.write(
          "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
            `authorization: Bearer ${apiKey()}\r\ncontent-length: 100000\r\n\r\n{`,
        );
        return trickle(s, 200, " ");
      },
      "127.0.0.1",
    );
    open.push(trickler);
    attackers.push(...open);
    await Promise.all(open.map((a) => new Promise((r) => a.socket.once("connect", r))));

    // The address is at its cap: one more connection from it is refused at once.
    const excess = attacker(url(), "over the cap", () => undefined);
    attackers.push(excess);
    await within("the connection over the cap", excess.closed, 5_000);
    expect(excess.received())
      .to.match(/^HTTP\/1\.1 429/)
      .and.include("too_many_connections");

    // Meanwhile the coordinator serves everyone else.
    const models = await fetch(`${url()}/v1/models`, {
      headers: { authorization: `Bearer ${apiKey()}` },
    });
    expect(models.status).to.equal(200);

    for (const a of open) await within(a.name, a.closed, 20_000);
    for (const name of ["one byte of HTTP/1.1", "headers trickled", "body trickled"]) {
      const a = open.find((o) => o.name === name);
      expect(a?.received(), `${name}: ${a?.received() ?? ""}`).to.match(/^HTTP\/1\.1 408/);
    }
    const timedOut = await metricSamples(metricsUrl(), "darkbloom_connections_timed_out_total");
    expect(timedOut.get('{phase="first_byte"}')).to.be.at.least(1);
    expect(timedOut.get('{phase="http1_request"}')).to.be.at.least(3);
    expect(timedOut.get('{phase="http2_idle"}')).to.be.at.least(2);
    const refused = await metricSamples(metricsUrl(), "darkbloom_connections_refused_total");
    expect(refused.get('{reason="per_address_cap"}')).to.be.at.least(1);

    // Its slots are free again once they closed.
    const again = attacker(
      url(),
      "after the attack",
      (s) => void s.write("GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"),
    );
    attackers.push(again);
    await within("a request after the attack", again.closed, 5_000);
    expect(again.received()).to.match(/^HTTP\/1\.1 200/);
    expect(cluster?.coordinators[0]?.process.child.exitCode).to.equal(null);
  });

  it("a long SSE stream and the provider's WebSocket outlive every timeout", async () => {
    if (!fake) throw new Error("no fake provider");
    const providerId = fake.providerId;
    const res = await fetch(`${url()}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey()}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "take your time" }],
        max_tokens: 8,
        stream: true,
      }),
    });
    expect(res.status).to.equal(200);
    const stream = await ManualStream.next(fake, new Set());
    stream.chunk("before ");
    await new Promise((r) => setTimeout(r, PAST_ALL_LIMITS_MS));
    stream.chunk("after");
    stream.complete();
    const text = await res.text();
    expect(text).to.include("before ").and.include("after").and.include("data: [DONE]");
    // The same registration served it: the provider's socket was never cut.
    expect(fake.providerId).to.equal(providerId);
    expect(fake.received.filter((f) => f.kind.case === "registerAck")).to.have.length(1);
  });

  it("leaves the ledger whole: the cut connections charged nothing, the stream settled", async () => {
    const db = cluster?.postgres.pool;
    if (!db) throw new Error("the cluster did not start");
    const audit = await auditLedgerWhenSettled(db);
    expect(audit).to.deep.include(CLEAN_LEDGER);
  });
});
