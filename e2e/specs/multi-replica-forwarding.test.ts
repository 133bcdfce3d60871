import { randomUUID } from "node:crypto";
import http from "node:http";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient, ConnectError, Code } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { boxBeforenm, generateKeyPair, sealWithSharedKey, toBase64 } from "@darkbloom/crypto";
import { InferenceBodySchema, RoutingService } from "@darkbloom/proto";
import { FakeProvider } from "@darkbloom/testing";
import { expect } from "chai";
import OpenAI from "openai";
import { providerSocketUrl, startFakeFleet } from "../testbed/fake-fleet.js";
import {
  auditLedgerWhenSettled,
  CLEAN_LEDGER,
  settlementsOf,
  waitForSettled,
} from "../testbed/ledger-audit.js";
import { startReplicas, type Replicas } from "../testbed/replicas.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

describe("many replicas as one network: presence and forwarding", function () {
  this.timeout(180_000);
  let net: Replicas | undefined;
  const replicas = (): Replicas => {
    if (!net) throw new Error("before hook did not run");
    return net;
  };
  const at = (i: number): RunningCoordinator => {
    const c = replicas().coordinators[i];
    if (!c) throw new Error(`no replica ${i}`);
    return c;
  };
  const clientOf = (c: RunningCoordinator, apiKey: string): OpenAI =>
    new OpenAI({ baseURL: `${c.url}/v1`, apiKey, maxRetries: 0 });

  const fakes: FakeProvider[] = [];
  const apiKey = (i = 0): string => {
    const user = replicas().users[i];
    if (!user) throw new Error("no user");
    return user.apiKey;
  };
  const fakeOn = async (
    c: RunningCoordinator,
    options: Partial<ConstructorParameters<typeof FakeProvider>[0]> = {},
  ): Promise<FakeProvider> => {
    const fake = new FakeProvider({
      url: providerSocketUrl(c.url),
      models: [TEST_MODEL_ID],
      ...options,
    });
    fakes.push(fake);
    await fake.connect();
    return fake;
  };
  const until = async (what: string, ok: () => boolean | Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const modelsOn = async (c: RunningCoordinator): Promise<string[]> => {
    const res = await fetch(`${c.url}/v1/models`, {
      headers: { authorization: `Bearer ${apiKey()}` },
    });
    const body = (await res.json()) as { data: { id: string; providers?: number }[] };
    return body.data.flatMap((m) => Array<string>(m.providers ?? 0).fill(m.id));
  };
  const dead = new Set<RunningCoordinator>();
  /** Until no replica lists the test model: the previous test's providers are gone everywhere. */
  const noProviderAnywhere = async (): Promise<void> => {
    for (const c of replicas().coordinators.filter((c) => !dead.has(c)))
      await until("providers to leave", async () => !(await modelsOn(c)).includes(TEST_MODEL_ID));
  };

  before(async () => {
    net = await startReplicas(3, { users: 2 });
  });
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
    await noProviderAnywhere();
  });
  after(async () => {
    await net?.stop();
  });

  it("streams a request sent to replica A from a provider connected to replica C, settled once", async () => {
    const n = replicas();
    const fleet = await startFakeFleet(at(2).url, 2, [TEST_MODEL_ID]);
    fakes.push(...fleet);
    await waitForModel(at(0).url, apiKey(), TEST_MODEL_ID);

    const requestId = randomUUID();
    const stream = await clientOf(at(0), apiKey()).chat.completions.create(
      {
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hello" }],
        max_tokens: 6,
        stream: true,
      },
      { headers: { "x-request-id": requestId } },
    );
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";

    expect(text).to.match(/^w0 w1 /);
    expect(fleet.reduce((sum, f) => sum + f.requests.length, 0)).to.equal(1);
    const audit = await auditLedgerWhenSettled(n.postgres.pool);
    expect(audit).to.deep.include(CLEAN_LEDGER);
    const settled = await settlementsOf(n.postgres.pool, [requestId]);
    expect(settled.size).to.equal(1);
    expect(audit.settlements).to.have.length(1);
  });

  it("lists every model on every replica, wherever its provider is connected", async () => {
    await fakeOn(at(1), { models: ["only-on-b"] });
    await fakeOn(at(2), { models: ["only-on-c"] });
    for (const c of replicas().coordinators)
      await until("both models everywhere", async () => {
        const models = await modelsOn(c);
        return models.includes("only-on-b") && models.includes("only-on-c");
      });
    const b = clientOf(at(0), apiKey());
    for (const model of ["only-on-b", "only-on-c"]) {
      const res = await b.chat.completions.create({
        model,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 4,
      });
      expect(res.choices[0]?.message.content, model).to.equal("fake reply");
    }
  });

  it("a consumer leaving a forwarded stream cancels the request at the provider on the owner replica", async () => {
    const fake = await fakeOn(at(2), {
      reply: () => ({ pieces: ["one ", "two "], complete: false }),
    });
    await waitForModel(at(0).url, apiKey(), TEST_MODEL_ID);
    const abort = new AbortController();
    const stream = await clientOf(at(0), apiKey()).chat.completions.create(
      { model: TEST_MODEL_ID, messages: [{ role: "user", content: "hi" }], stream: true },
      { signal: abort.signal },
    );
    let text = "";
    try {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (text === "one two ") abort.abort();
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
    expect(text).to.equal("one two ");
    await until("the cancel frame at the provider", () =>
      fake.received.some((f) => f.kind.case === "cancel"),
    );
    expect(await auditLedgerWhenSettled(replicas().postgres.pool)).to.deep.include(CLEAN_LEDGER);
  });

  it("the 250 ms slow-consumer rule holds on a forwarded stream: cut off, charged what was written, cancelled at the provider", async () => {
    const CHUNKS = 8_000;
    // Far more than socket buffers (consumer, HAProxy-less h1, the peers' h2c) hold.
    const fake = await fakeOn(at(2), {
      reply: () => ({
        pieces: Array.from({ length: CHUNKS }, () => "y".repeat(4_000)),
        complete: false,
      }),
    });
    await waitForModel(at(0).url, apiKey(), TEST_MODEL_ID);
    const requestId = `slow-forwarded-${randomUUID()}`;
    let request: http.ClientRequest | undefined;
    try {
      // A raw client that reads the first bytes and then stops reading.
      const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
        request = http.request(new URL("/v1/chat/completions", at(0).url), {
          method: "POST",
          headers: {
            authorization: `Bearer ${apiKey()}`,
            "content-type": "application/json",
            "x-request-id": requestId,
          },
        });
        request.on("response", resolve);
        request.on("error", reject);
        request.end(
          JSON.stringify({
            model: TEST_MODEL_ID,
            messages: [{ role: "user", content: "flood me" }],
            max_tokens: CHUNKS + 10,
            stream: true,
          }),
        );
      });
      expect(response.statusCode).to.equal(200);
      let text = "";
      response.on("data", (b: Buffer) => (text += b.toString()));
      response.on("error", () => undefined);
      await new Promise((r) => response.once("data", r));
      response.pause();
      // The edge on A gives up on the stalled reader and settles what it wrote.
      const db = replicas().postgres.pool;
      expect(await waitForSettled(db, [requestId], 20_000)).to.deep.equal([]);
      // The provider on C is told to stop (A closed the forwarded stream).
      await until("the cancel frame at the provider on C", () =>
        fake.received.some((f) => f.kind.case === "cancel"),
      );
      response.resume();
      await new Promise<void>((r) => {
        response.once("end", () => r());
        response.once("close", () => r());
        response.once("error", () => r());
      });
      expect(text).to.not.contain("[DONE]");
      const delivered = text.split("\n").filter((l) => l.includes('"content":"y')).length;
      expect(delivered).to.be.within(1, CHUNKS - 1);
      const settled = (await settlementsOf(db, [requestId])).get(requestId);
      expect(Number(settled?.completion_tokens)).to.be.within(delivered, CHUNKS - 1);
      expect(await auditLedgerWhenSettled(db)).to.deep.include(CLEAN_LEDGER);
    } finally {
      request?.destroy();
    }
  });

  it("fails over before the first token when the remote provider dies", async () => {
    let crashed: FakeProvider | undefined;
    const crashing = (self: () => FakeProvider) => () => {
      if (crashed) return { pieces: ["still ", "here"] };
      crashed = self();
      crashed.kill();
      return { pieces: [], complete: false };
    };
    const onB: FakeProvider = await fakeOn(at(1), { reply: crashing(() => onB) });
    const onC: FakeProvider = await fakeOn(at(2), { reply: crashing(() => onC) });
    await until(
      "both providers on A",
      async () => (await modelsOn(at(0))).filter((m) => m === TEST_MODEL_ID).length === 2,
    );
    const res = await clientOf(at(0), apiKey()).chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "hello" }],
      max_tokens: 8,
    });
    expect(crashed).to.be.instanceOf(FakeProvider);
    expect(res.choices[0]?.message.content).to.equal("still here");
    expect(await auditLedgerWhenSettled(replicas().postgres.pool)).to.deep.include(CLEAN_LEDGER);
  });

  it("a real MLX provider on B serves a request sent to C", async () => {
    let provider: RunningProvider | undefined;
    try {
      provider = await startProvider(at(1).url);
      await waitForModel(at(2).url, apiKey(), TEST_MODEL_ID, 60_000);
      const res = await clientOf(at(2), apiKey()).chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hello" }],
        max_tokens: 4,
      });
      expect(res.choices[0]?.message.content).to.be.a("string").and.not.equal("");
      expect(res.usage?.completion_tokens).to.be.greaterThan(0);
    } finally {
      await provider?.kill();
    }
    expect(await auditLedgerWhenSettled(replicas().postgres.pool)).to.deep.include(CLEAN_LEDGER);
  });

  it("a warm-pool controller on A loads a model on a provider connected to C and sees it warm", async () => {
    const fake = await fakeOn(at(2), { models: ["warm-model"], loadModel: () => "loaded" });
    const admin = createClient(
      RoutingService,
      createConnectTransport({
        baseUrl: at(0).url,
        httpVersion: "1.1",
        interceptors: [
          (next) => (req) => {
            req.header.set("authorization", `Bearer ${replicas().adminKey}`);
            return next(req);
          },
        ],
      }),
    );
    await until("the provider on A", async () => (await modelsOn(at(0))).includes("warm-model"));
    await admin.setWarmPoolPolicy({ targets: [{ model: "warm-model", minWarmProviders: 1 }] });
    try {
      await until("the LoadModel frame at the provider", () =>
        fake.received.some((f) => f.kind.case === "loadModel"),
      );
      await until(
        "the load status back on A",
        async () => (await admin.getWarmPoolStatus({})).models[0]?.warm === 1,
      );
    } finally {
      await admin.setWarmPoolPolicy({ targets: [] });
    }
  });

  // Connect over HTTP/1.1 reaches Connect's handler; gRPC over h2c (what replicas speak) reaches
  // the bare-stream ForwardInfer handler (peer-forward-server.ts): both must refuse alike.
  const forwardWith = async (
    headers: Record<string, string>,
    wire: "connect" | "grpc" = "connect",
  ): Promise<unknown> => {
    const client = createClient(
      RoutingService,
      wire === "grpc"
        ? createGrpcTransport({ baseUrl: at(0).url })
        : createConnectTransport({ baseUrl: at(0).url, httpVersion: "1.1" }),
    );
    try {
      for await (const r of client.forwardInfer(
        { providerId: "nobody", request: { requestId: randomUUID() } },
        { headers },
      ))
        void r;
      return undefined;
    } catch (err) {
      return err;
    }
  };

  it("the peer rpc refuses a consumer's key, the admin key and a wrong secret; answers the peer secret", async () => {
    const consumer = await forwardWith({ authorization: `Bearer ${apiKey()}` });
    const admin = await forwardWith({ authorization: `Bearer ${replicas().adminKey}` });
    const wrong = await forwardWith({ "darkbloom-peer-secret": "not-the-secret-at-all" });
    const peer = await forwardWith({
      "darkbloom-peer-secret": replicas().env.DARKBLOOM_PEER_SECRET ?? "",
    });
    for (const [name, err] of Object.entries({ consumer, admin, wrong }))
      expect(ConnectError.from(err).code, name).to.equal(Code.Unauthenticated);
    // Past authentication: the provider is simply not connected to that replica.
    expect(ConnectError.from(peer).code).to.equal(Code.Unavailable);
  });

  it("the peer rpc over gRPC/h2c (the replicas' own wire) refuses the same callers alike", async () => {
    const secret = replicas().env.DARKBLOOM_PEER_SECRET ?? "";
    const refused = {
      consumer: await forwardWith({ authorization: `Bearer ${apiKey()}` }, "grpc"),
      admin: await forwardWith({ authorization: `Bearer ${replicas().adminKey}` }, "grpc"),
      wrong: await forwardWith({ "darkbloom-peer-secret": "not-the-secret-at-all" }, "grpc"),
      longer: await forwardWith({ "darkbloom-peer-secret": `${secret}x` }, "grpc"),
    };
    for (const [name, err] of Object.entries(refused))
      expect(ConnectError.from(err).code, name).to.equal(Code.Unauthenticated);
    const peer = await forwardWith({ "darkbloom-peer-secret": secret }, "grpc");
    expect(ConnectError.from(peer).code).to.equal(Code.Unavailable);
    expect(ConnectError.from(peer).rawMessage).to.equal("provider nobody is not connected here");
  });

  it("SupplyAlternate answers no caller on the wire: not a consumer, not the admin, not a peer", async () => {
    const supplyWith = async (headers: Record<string, string>): Promise<unknown> => {
      const client = createClient(
        RoutingService,
        createConnectTransport({ baseUrl: at(0).url, httpVersion: "1.1" }),
      );
      try {
        await client.supplyAlternate(
          {
            requestId: randomUUID(),
            alternate: {
              providerId: "anyone",
              senderPublicKey: new Uint8Array(32),
              encryptedBody: new Uint8Array(64),
            },
          },
          { headers },
        );
        return undefined;
      } catch (err) {
        return err;
      }
    };
    const refused = {
      consumer: await supplyWith({ authorization: `Bearer ${apiKey()}` }),
      admin: await supplyWith({ authorization: `Bearer ${replicas().adminKey}` }),
      peer: await supplyWith({
        "darkbloom-peer-secret": replicas().env.DARKBLOOM_PEER_SECRET ?? "",
      }),
    };
    for (const [name, err] of Object.entries(refused))
      expect(ConnectError.from(err).code, name).to.equal(Code.PermissionDenied);
  });

  describe("sealed mode across replicas", () => {
    const post = (c: RunningCoordinator, key: string, path: string, body: unknown) =>
      fetch(`${c.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const reserveOn = async (c: RunningCoordinator) => {
      const res = await post(c, apiKey(), "/v1/sealed/reserve", {
        model: TEST_MODEL_ID,
        estimated_prompt_tokens: 4,
        max_tokens: 4,
      });
      expect(res.status, await res.clone().text()).to.equal(200);
      return (await res.json()) as {
        reservation_id: string;
        request_id: string;
        provider_public_key: string;
        account_id: string;
      };
    };
    const sealedBody = (r: Awaited<ReturnType<typeof reserveOn>>, reservationId: string) => {
      const eph = generateKeyPair();
      const shared = boxBeforenm(Buffer.from(r.provider_public_key, "base64"), eph.secretKey);
      const body = create(InferenceBodySchema, {
        model: TEST_MODEL_ID,
        accountId: r.account_id,
        input: { case: "chat", value: { messages: [{ role: "user", content: "sealed hi" }] } },
        sampling: { maxTokens: 4 },
      });
      return {
        reservation_id: reservationId,
        ephemeral_public_key: toBase64(eph.publicKey),
        ciphertext: toBase64(sealWithSharedKey(shared, toBinary(InferenceBodySchema, body))),
      };
    };

    it("a reservation made on A is submitted to B, served by a provider on C, settled once; a replay is refused", async () => {
      await fakeOn(at(2));
      await waitForModel(at(0).url, apiKey(), TEST_MODEL_ID);
      const r = await reserveOn(at(0));
      const submit = sealedBody(r, r.reservation_id);
      const res = await post(at(1), apiKey(), "/v1/sealed/completions", submit);
      const text = await res.text();
      expect(res.status, text).to.equal(200);
      expect(text).to.include('"type":"complete"');
      const replay = await post(at(1), apiKey(), "/v1/sealed/completions", submit);
      expect(replay.status, "a token is used once").to.be.within(400, 499);
      const audit = await auditLedgerWhenSettled(replicas().postgres.pool);
      expect(audit).to.deep.include(CLEAN_LEDGER);
      expect((await settlementsOf(replicas().postgres.pool, [r.request_id])).size).to.equal(1);
    });

    it("refuses a forged token (400) and another account's token (404), with no hold left", async () => {
      await fakeOn(at(2));
      await waitForModel(at(0).url, apiKey(), TEST_MODEL_ID);
      const r = await reserveOn(at(0));
      const [head = "", payload = "", signature = ""] = r.reservation_id.split(".");
      const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
      const forged = await post(
        at(1),
        apiKey(),
        "/v1/sealed/completions",
        sealedBody(r, `${head}.${payload}.${flipped}`),
      );
      expect(forged.status).to.equal(400);
      expect(((await forged.json()) as { error: { code: string } }).error.code).to.equal(
        "invalid_reservation",
      );
      const stolen = await post(
        at(1),
        apiKey(1),
        "/v1/sealed/completions",
        sealedBody(r, r.reservation_id),
      );
      expect(stolen.status).to.equal(404);
      expect(((await stolen.json()) as { error: { message: string } }).error.message).to.match(
        /another account/,
      );
      expect(await auditLedgerWhenSettled(replicas().postgres.pool)).to.deep.include(CLEAN_LEDGER);
    });
  });

  // Last: it kills replica C.
  describe("losing a replica", () => {
    it("kill -9 of the owner replica mid-stream ends the forwarded stream with an error, no hold stuck", async () => {
      await fakeOn(at(2), { reply: () => ({ pieces: ["a ", "b "], complete: false }) });
      await waitForModel(at(0).url, apiKey(), TEST_MODEL_ID);
      const stream = await clientOf(at(0), apiKey()).chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      });
      let text = "";
      let failure: unknown;
      try {
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? "";
          if (text === "a b ") {
            dead.add(at(2));
            await at(2).process.kill();
          }
        }
      } catch (err) {
        failure = err;
      }
      expect(text).to.equal("a b ");
      expect(failure, "the stream ends with an error event").to.be.instanceOf(OpenAI.APIError);
      expect(await auditLedgerWhenSettled(replicas().postgres.pool)).to.deep.include(CLEAN_LEDGER);
      // The dead replica's providers stop being listed once its presence expires.
      await until(
        "C's provider to leave A",
        async () => !(await modelsOn(at(0))).includes(TEST_MODEL_ID),
      );
    });
  });
});
