import { randomUUID } from "node:crypto";
import { createClient, ConnectError, Code } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RoutingService } from "@darkbloom/proto";
import { FakeProvider } from "@darkbloom/testing";
import { expect } from "chai";
import OpenAI from "openai";
import { providerSocketUrl, startFakeFleet } from "../testbed/fake-fleet.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER, settlementsOf } from "../testbed/ledger-audit.js";
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
  const apiKey = (): string => {
    const user = replicas().users[0];
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
    net = await startReplicas(3, { users: 1 });
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

  const forwardWith = async (headers: Record<string, string>): Promise<unknown> => {
    const client = createClient(
      RoutingService,
      createConnectTransport({ baseUrl: at(0).url, httpVersion: "1.1" }),
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

  // Last: it kills a replica.
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
