import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import {
  ForwardInferRequestSchema,
  InferResponseSchema,
  RoutingService,
  type ForwardInferRequest,
  type InferResponse,
} from "@darkbloom/proto";
import type { ForwardSink } from "@darkbloom/routing";
import { expect } from "chai";
import { decodeForwardInferResponse } from "./peer-chunk-codec.js";
import { PeerForwardClient } from "./peer-forward-client.js";
import { createPeerForwardServer } from "./peer-forward-server.js";
import { EnvelopeReader, envelope } from "./peer-grpc-wire.js";
import { Flag, FrameType, frame } from "./peer-h2/frames.js";
import { encodeHeaders } from "./peer-h2/hpack.js";
import { PEER_SECRET_HEADER, peerSecretCheck } from "./peer-secret.js";
import { startFakeH2Server } from "./testing/fake-h2-server.js";

const SECRET = "the-peer-secret-of-this-test";

const chunk = (requestId: string, sequence: number): InferResponse =>
  create(InferResponseSchema, {
    kind: {
      case: "chunk",
      value: { requestId, sequence, tokenCount: 1, encryptedPayload: new Uint8Array([sequence]) },
    },
  });
const complete = (requestId: string): InferResponse =>
  create(InferResponseSchema, { kind: { case: "complete", value: { requestId } } });

/** What the owner's session does with a forwarded request, scripted per test. */
type Script = (req: ForwardInferRequest, sink: ForwardSink) => () => void;

/**
 * A real h2c server: ForwardInfer on the lean handler (`lean`), else Connect's RoutingService with
 * the same script (the interop case), as compose.ts wires it.
 */
async function startServer(options: { lean: boolean }) {
  let script: Script = () => () => undefined;
  const calls: ForwardInferRequest[] = [];
  let sessions = 0;
  /** Streams opened so far, and the count when each call was dispatched (lean server). */
  let streams = 0;
  const streamsAtCall: number[] = [];
  /** The reset code of every stream that closed (0: ended normally). */
  const closedCodes: number[] = [];
  const lean = createPeerForwardServer({
    secret: peerSecretCheck(SECRET),
    forward: (req, sink) => {
      calls.push(req);
      streamsAtCall.push(streams);
      return script(req, sink);
    },
    maxRequestBytes: 1 << 20,
  });
  const connect = connectNodeAdapter({
    routes: (router) =>
      router.service(RoutingService, {
        async *forwardInfer(req, ctx) {
          if (ctx.requestHeader.get(PEER_SECRET_HEADER) !== SECRET)
            throw new ConnectError("peers only", Code.Unauthenticated);
          calls.push(req);
          const events: InferResponse[] = [];
          let end = (): void => undefined;
          const ended = new Promise<void>((resolve) => (end = resolve));
          let wake = (): void => undefined;
          const cancel = script(req, {
            event: (e) => {
              events.push(e);
              wake();
            },
            end,
          });
          ctx.signal.addEventListener("abort", cancel);
          let done = false;
          void ended.then(() => {
            done = true;
            wake();
          });
          for (;;) {
            const e = events.shift();
            if (e) yield { event: e };
            else if (done) return;
            else await new Promise<void>((resolve) => (wake = resolve));
          }
        },
      }),
  });
  // as DualProtocolServer: the lean handler sees raw streams first, Connect gets the rest
  const compat = http2.createServer({}, connect);
  const server = http2.createServer();
  server.on(
    "stream",
    (
      stream: http2.ServerHttp2Stream,
      headers: http2.IncomingHttpHeaders,
      flags: number,
      rawHeaders: string[],
    ) => {
      streams++;
      stream.once("close", () => closedCodes.push(stream.rstCode));
      if (!(options.lean && lean(stream, headers)))
        compat.emit("stream", stream, headers, flags, rawHeaders);
    },
  );
  server.on("session", () => sessions++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const open = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    open.add(s);
    s.once("close", () => open.delete(s));
  });
  return {
    url,
    calls,
    sessions: () => sessions,
    streams: () => streams,
    streamsAtCall,
    closedCodes,
    setScript: (s: Script) => (script = s),
    /** Every session gets GOAWAY (as a draining replica's server does); resolves once closed. */
    goAway: () =>
      Promise.all([...open].map((s) => new Promise<void>((resolve) => s.close(() => resolve())))),
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const request = (requestId: string): ForwardInferRequest =>
  create(ForwardInferRequestSchema, {
    providerId: "p1",
    originReplicaId: "a",
    request: { requestId, metadata: { model: "m", maxTokens: 4 } },
  });

async function collect(events: AsyncIterable<{ event?: InferResponse }>): Promise<string[]> {
  const out: string[] = [];
  for await (const r of events)
    out.push(
      r.event?.kind.case === "chunk"
        ? `chunk ${r.event.kind.value.sequence}`
        : String(r.event?.kind.case),
    );
  return out;
}

/** Answers the request at once: two chunks and complete in one turn, as a provider's frames. */
const instant: Script = (req, sink) => {
  const id = req.request?.requestId ?? "";
  setImmediate(() => {
    sink.event(chunk(id, 0));
    sink.event(chunk(id, 1));
    sink.event(complete(id));
    sink.end();
  });
  return () => undefined;
};

/** Waits (polling) until `done` holds; fails after many tries rather than hanging. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`never happened: ${what}`);
}

/** A ForwardInfer stream opened by hand on a bare HTTP/2 session, with the peer secret. */
const forwardStream = (session: http2.ClientHttp2Session): http2.ClientHttp2Stream =>
  session.request({
    ":method": "POST",
    ":path": "/darkbloom.v1.RoutingService/ForwardInfer",
    "content-type": "application/grpc+proto",
    te: "trailers",
    [PEER_SECRET_HEADER]: SECRET,
  });

const trailersOf = (stream: http2.ClientHttp2Stream): Promise<http2.IncomingHttpHeaders> =>
  new Promise((resolve) => stream.once("trailers", resolve));

const clientOptions = {
  pingIntervalMs: 60_000,
  pingTimeoutMs: 5_000,
  maxMessageBytes: 1 << 20,
  preparedMaxAgeMs: 5_000,
};

describe("ForwardInfer on the lean peer client and server (real h2c)", () => {
  for (const lean of [true, false]) {
    describe(lean ? "lean client, lean server" : "lean client, Connect's server", () => {
      let server: Awaited<ReturnType<typeof startServer>>;
      let client: PeerForwardClient;
      beforeEach(async () => {
        server = await startServer({ lean });
        client = new PeerForwardClient({ secret: SECRET, ...clientOptions });
      });
      afterEach(async () => {
        client.close();
        await server.close();
      });

      it("relays the owner's events in order and decodes the request as sent", async () => {
        server.setScript(instant);
        const got = await collect(
          client.forward(server.url, request("r1"), new AbortController().signal),
        );
        expect(got).to.deep.equal(["chunk 0", "chunk 1", "complete"]);
        expect(server.calls[0]).to.include({ providerId: "p1", originReplicaId: "a" });
        expect(server.calls[0]?.request?.requestId).to.equal("r1");
        expect(server.calls[0]?.request?.metadata?.maxTokens).to.equal(4);
      });

      it("carries every forwarded stream on one connection per peer, and a new one after GOAWAY", async () => {
        server.setScript(instant);
        const signal = new AbortController().signal;
        await Promise.all(
          ["r1", "r2", "r3"].map((id) => collect(client.forward(server.url, request(id), signal))),
        );
        expect(server.sessions()).to.equal(1);
        await server.goAway();
        // a call racing the GOAWAY on its way may be refused; the next ones open a new connection
        let got: string[] | undefined;
        for (let i = 0; i < 50 && !got; i++)
          got = await collect(client.forward(server.url, request(`r4-${i}`), signal)).catch(
            () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 10)),
          );
        expect(got).to.have.length(3);
        expect(server.sessions()).to.equal(2);
      });

      it("ends with the owner's status: Unavailable when it does not hold the provider", async () => {
        server.setScript(() => {
          throw new ConnectError("provider p1 is not connected here", Code.Unavailable);
        });
        const err = await collect(
          client.forward(server.url, request("r1"), new AbortController().signal),
        ).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(ConnectError);
        expect((err as ConnectError).code).to.equal(Code.Unavailable);
        expect((err as ConnectError).rawMessage).to.equal("provider p1 is not connected here");
      });

      it("refuses a wrong peer secret before anything is dispatched", async () => {
        server.setScript(instant);
        const wrong = new PeerForwardClient({ secret: "not-the-secret", ...clientOptions });
        try {
          // the second call would go on a stream opened ahead, which the owner refused at once
          for (const id of ["r1", "r2"]) {
            const err = await collect(
              wrong.forward(server.url, request(id), new AbortController().signal),
            ).catch((e: unknown) => e);
            expect(ConnectError.from(err).code).to.equal(Code.Unauthenticated);
          }
          expect(server.calls).to.have.length(0);
        } finally {
          wrong.close();
        }
      });

      it("aborting the call closes the stream, which cancels the request at the owner", async () => {
        // the first call on a stream of its own, the second on the one opened ahead of it
        for (const id of ["r1", "r2"]) {
          let cancelled = (): void => undefined;
          const cancelledAtOwner = new Promise<void>((resolve) => (cancelled = resolve));
          server.setScript((req, sink) => {
            sink.event(chunk(req.request?.requestId ?? "", 0));
            return cancelled;
          });
          const abort = new AbortController();
          const got: string[] = [];
          for await (const r of client.forward(server.url, request(id), abort.signal)) {
            got.push(String(r.event?.kind.case));
            abort.abort();
          }
          await cancelledAtOwner;
          expect(got).to.deep.equal(["chunk"]);
        }
      });

      it("opens the next call's stream ahead of it, and closes one left unused", async () => {
        server.setScript(instant);
        const signal = new AbortController().signal;
        expect(await collect(client.forward(server.url, request("r1"), signal))).to.have.length(3);
        await until(() => server.streams() === 2, "a stream opened ahead of the next call");
        expect(await collect(client.forward(server.url, request("r2"), signal))).to.have.length(3);
        await until(() => server.streams() === 3, "the next one opened ahead");
        expect(server.calls.map((c) => c.request?.requestId)).to.deep.equal(["r1", "r2"]);
        if (lean) expect(server.streamsAtCall).to.deep.equal([1, 2]); // r2 went on stream 2
        client.close();
        // closing the client closes the stream opened ahead; nothing was dispatched on it
        await until(() => server.closedCodes.length === 3, "every stream closed");
        expect(server.calls).to.have.length(2);
      });
    });
  }

  it("the lean server answers Connect's own gRPC client (same wire)", async () => {
    const server = await startServer({ lean: true });
    const transport = createGrpcTransport({ baseUrl: server.url });
    try {
      server.setScript(instant);
      const client = createClient(RoutingService, transport);
      const got = await collect(
        client.forwardInfer(request("r1"), { headers: { [PEER_SECRET_HEADER]: SECRET } }),
      );
      expect(got).to.deep.equal(["chunk 0", "chunk 1", "complete"]);
      const refused = await collect(
        client.forwardInfer(request("r2"), { headers: { [PEER_SECRET_HEADER]: "wrong" } }),
      ).catch((e: unknown) => e);
      expect(ConnectError.from(refused).code).to.equal(Code.Unauthenticated);
      expect(server.calls).to.have.length(1);
    } finally {
      await server.close();
    }
  });

  it("the lean server writes the events of one turn as one DATA frame, then the OK status", async () => {
    const server = await startServer({ lean: true });
    const session = http2.connect(server.url);
    try {
      server.setScript(instant); // two chunks and complete, pushed in one turn
      const stream = forwardStream(session);
      stream.end(envelope(toBinary(ForwardInferRequestSchema, request("r1"))));
      const frames: Buffer[] = [];
      stream.on("data", (d: Buffer) => frames.push(d));
      const trailers = await trailersOf(stream);
      await new Promise((resolve) => stream.once("close", resolve));
      expect(trailers["grpc-status"]).to.equal("0");
      expect(frames).to.have.length(1);
      const messages = new EnvelopeReader(1 << 20).push(frames[0] ?? Buffer.alloc(0));
      expect(messages.map((m) => decodeForwardInferResponse(m).event?.kind.case)).to.deep.equal([
        "chunk",
        "chunk",
        "complete",
      ]);
    } finally {
      session.destroy();
      await server.close();
    }
  });

  it("the lean server dispatches once the request message is in, and answers with headers before the first event", async () => {
    const server = await startServer({ lean: true });
    const session = http2.connect(server.url);
    try {
      let cancelled = 0;
      let send: (e: InferResponse) => void = () => undefined;
      let finish = (): void => undefined;
      server.setScript((req, sink) => {
        send = (e) => sink.event(e);
        finish = () => sink.end();
        return () => cancelled++;
      });
      const stream = forwardStream(session);
      const headers = new Promise<http2.IncomingHttpHeaders>((resolve) =>
        stream.once("response", resolve),
      );
      const frames: Buffer[] = [];
      stream.on("data", (d: Buffer) => frames.push(d));
      // the message, without the half-close: the owner dispatches it anyway
      stream.write(envelope(toBinary(ForwardInferRequestSchema, request("r1"))));
      await until(() => server.calls.length === 1, "the request dispatched before the half-close");
      // the provider has not answered: the response headers are already there
      expect((await headers)[":status"]).to.equal(200);
      expect(frames).to.have.length(0);
      send(chunk("r1", 0));
      await until(() => frames.length === 1, "the first event");
      stream.end();
      finish();
      const trailers = await trailersOf(stream);
      expect(trailers["grpc-status"]).to.equal("0");
      expect(cancelled).to.equal(0);
    } finally {
      session.destroy();
      await server.close();
    }
  });

  it("a second request message after the dispatch ends the call with InvalidArgument and cancels it at the owner", async () => {
    const server = await startServer({ lean: true });
    const session = http2.connect(server.url);
    try {
      let cancelled = 0;
      server.setScript(() => () => cancelled++);
      const stream = forwardStream(session);
      stream.resume();
      const message = envelope(toBinary(ForwardInferRequestSchema, request("r1")));
      stream.write(message);
      await until(() => server.calls.length === 1, "the first message dispatched");
      const trailers = trailersOf(stream);
      stream.end(message);
      const t = await trailers;
      expect(t["grpc-status"]).to.equal(String(Code.InvalidArgument));
      expect(decodeURIComponent(String(t["grpc-message"]))).to.equal(
        "expected exactly one request message",
      );
      expect(cancelled).to.equal(1);
      expect(server.calls).to.have.length(1);
    } finally {
      session.destroy();
      await server.close();
    }
  });

  it("a request stream that ends without a whole message is refused, nothing dispatched", async () => {
    const server = await startServer({ lean: true });
    const session = http2.connect(server.url);
    try {
      const stream = forwardStream(session);
      stream.resume();
      const headers = new Promise<http2.IncomingHttpHeaders>((resolve) =>
        stream.once("response", resolve),
      );
      const message = envelope(toBinary(ForwardInferRequestSchema, request("r1")));
      stream.end(message.subarray(0, message.length - 3)); // cut short
      const h = await headers;
      expect(h["grpc-status"]).to.equal(String(Code.InvalidArgument));
      expect(server.calls).to.have.length(0);
    } finally {
      session.destroy();
      await server.close();
    }
  });

  it("a stream opened ahead and unused for preparedMaxAgeMs is closed, nothing dispatched on it", async () => {
    const server = await startServer({ lean: true });
    const client = new PeerForwardClient({
      secret: SECRET,
      ...clientOptions,
      preparedMaxAgeMs: 20,
    });
    try {
      server.setScript(instant);
      const signal = new AbortController().signal;
      expect(await collect(client.forward(server.url, request("r1"), signal))).to.have.length(3);
      await until(
        () => server.streams() === 2 && server.closedCodes.length === 2,
        "the stream opened ahead was opened and closed",
      );
      expect(server.calls).to.have.length(1); // nothing dispatched on the closed one
      // the next call opens a stream of its own
      expect(await collect(client.forward(server.url, request("r2"), signal))).to.have.length(3);
      expect(server.streamsAtCall).to.deep.equal([1, 3]);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("preparedMaxAgeMs 0 opens no stream ahead", async () => {
    const server = await startServer({ lean: true });
    const client = new PeerForwardClient({ secret: SECRET, ...clientOptions, preparedMaxAgeMs: 0 });
    try {
      server.setScript(instant);
      const signal = new AbortController().signal;
      for (const id of ["r1", "r2"])
        expect(await collect(client.forward(server.url, request(id), signal))).to.have.length(3);
      expect(server.streamsAtCall).to.deep.equal([1, 2]);
      expect(server.streams()).to.equal(2);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("a peer that cannot be reached ends the call with Unavailable", async () => {
    const server = await startServer({ lean: true });
    await server.close();
    const client = new PeerForwardClient({ secret: SECRET, ...clientOptions });
    try {
      const err = await collect(
        client.forward(server.url, request("r1"), new AbortController().signal),
      ).catch((e: unknown) => e);
      expect(ConnectError.from(err).code).to.equal(Code.Unavailable);
    } finally {
      client.close();
    }
  });

  it("a peer's status that is not a gRPC code, or a protocol violation, fails the call with a clear error", async () => {
    const fake = await startFakeH2Server();
    const client = new PeerForwardClient({ secret: SECRET, ...clientOptions, preparedMaxAgeMs: 0 });
    try {
      const answered = collect(
        client.forward(fake.url, request("r1"), new AbortController().signal),
      );
      await fake.frameWhere((f) => f.type === FrameType.DATA && f.streamId === 1, "the request");
      fake.send(
        frame(
          FrameType.HEADERS,
          Flag.END_HEADERS,
          1,
          encodeHeaders([
            [":status", "200"],
            ["content-type", "application/grpc"],
          ]),
        ),
        frame(
          FrameType.HEADERS,
          Flag.END_HEADERS | Flag.END_STREAM,
          1,
          encodeHeaders([["grpc-status", "banana"]]),
        ),
      );
      const err = ConnectError.from(await answered.catch((e: unknown) => e));
      expect(err.code).to.equal(Code.Unknown);
      expect(err.rawMessage).to.match(/grpc-status banana/);

      const violated = collect(
        client.forward(fake.url, request("r2"), new AbortController().signal),
      );
      await fake.frameWhere(
        (f) => f.type === FrameType.DATA && f.streamId === 3,
        "the second request",
      );
      fake.send(frame(FrameType.DATA, 0, 0, Buffer.from("x")));
      const lost = ConnectError.from(await violated.catch((e: unknown) => e));
      expect(lost.code).to.equal(Code.Unavailable);
      expect(lost.rawMessage).to.match(/protocol error/);
    } finally {
      client.close();
      await fake.close();
    }
  });
});
