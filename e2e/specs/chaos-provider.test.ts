import { expect } from "chai";
import OpenAI from "openai";
import type { DatabasePool } from "@darkbloom/db";
import { FakeProvider } from "@darkbloom/testing";
import { ManualStream } from "../chaos/manual-stream.js";
import { scrapeMetric } from "../chaos/metrics.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { ledgerHealth, settlementsOf, waitForSettled } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

describe("chaos: providers that die or misbehave", function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  let client: OpenAI;
  const taken = new Set<string>();
  const manualFake = (): FakeProvider =>
    new FakeProvider({
      url: providerSocketUrl(cluster?.coordinators[0]?.url ?? ""),
      models: [TEST_MODEL_ID],
      reply: () => ({ pieces: [], complete: false }),
    });
  const fakes: FakeProvider[] = [];
  const connect = async (fake: FakeProvider): Promise<FakeProvider> => {
    fakes.push(fake);
    await fake.connect();
    return fake;
  };

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({ users: 1, creditMicroUsd: 5_000_000n });
    client = new OpenAI({
      baseURL: `${cluster.coordinators[0]?.url}/v1`,
      apiKey: cluster.users[0]?.apiKey ?? "",
      maxRetries: 0,
      timeout: 20_000,
    });
  });

  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });
  after(async () => {
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  const pool = (): DatabasePool => {
    if (!cluster) throw new Error("no cluster");
    return cluster.postgres.pool;
  };
  const expectCleanLedger = async (requestId: string): Promise<void> => {
    const db = pool();
    expect(await waitForSettled(db, [requestId]), "stuck holds").to.deep.equal([]);
    const health = await ledgerHealth(db);
    expect(health.totalMicroUsd).to.equal(0n);
    expect(health.unbalancedTransactions).to.equal(0);
    expect(health.driftedAccounts).to.equal(0);
  };

  it("ends the stream with an error when the provider dies after its first tokens, charging only those", async () => {
    const fake = await connect(manualFake());
    const requestId = "chaos-kill-after";
    // Headers leave with the first output: start the request, answer it, then read the stream.
    const pending = client.chat.completions.create(
      {
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "go" }],
        max_tokens: 64,
        stream: true,
      },
      { headers: { "x-request-id": requestId } },
    );
    const manual = await ManualStream.next(fake, taken);
    for (const t of ["one ", "two ", "three "]) manual.chunk(t);
    const stream = await pending;
    let text = "";
    let caught: unknown;
    try {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (text === "one two three ") fake.kill();
      }
    } catch (err) {
      caught = err;
    }
    expect(text).to.equal("one two three ");
    expect(caught).to.be.instanceOf(OpenAI.APIError);
    await expectCleanLedger(requestId);
    const settled = (await settlementsOf(pool(), [requestId])).get(requestId);
    expect(settled?.completion_tokens).to.equal(3n);
    expect(settled?.provider_id).to.equal(fake.providerId);
  });

  it("re-dispatches a request whose provider died after accepting it, before its first token, to another provider", async () => {
    // Two providers that hold their answers; whichever is chosen dies once it has accepted.
    const pair = [await connect(manualFake()), await connect(manualFake())];
    const requestId = "chaos-kill-before";
    const pending = client.chat.completions.create(
      { model: TEST_MODEL_ID, messages: [{ role: "user", content: "go" }], max_tokens: 16 },
      { headers: { "x-request-id": requestId } },
    );
    const asked = (f: FakeProvider): boolean =>
      f.received.some((r) => r.kind.case === "inferenceRequest");
    for (const until = Date.now() + 10_000; !pair.some(asked);) {
      if (Date.now() > until) throw new Error("neither provider got the request");
      await new Promise((r) => setTimeout(r, 10));
    }
    const [first, survivor] = asked(pair[0] as FakeProvider) ? pair : [...pair].reverse();
    if (!first || !survivor) throw new Error("no pair");
    // The fake has sent inferenceAccepted; it dies before any chunk.
    await ManualStream.next(first, taken);
    first.kill();
    // The re-dispatched request keeps its id: look at the survivor's frames only.
    const retried = await ManualStream.next(survivor, new Set());
    retried.chunk("from ");
    retried.chunk("survivor");
    retried.complete();

    const data = await pending;
    expect(data.choices[0]?.message.content).to.equal("from survivor");
    await expectCleanLedger(requestId);
    const settled = (await settlementsOf(pool(), [requestId])).get(requestId);
    expect(settled?.provider_id).to.equal(survivor.providerId);
    expect(settled?.completion_tokens).to.equal(2n);
    expect(
      await scrapeMetric(
        cluster?.coordinators[0]?.metricsUrl ?? "",
        "darkbloom_routing_redispatches_total",
      ),
    ).to.be.at.least(1);
  });

  it("counts garbage frames and keeps serving on the same connection", async () => {
    const url = cluster?.coordinators[0]?.metricsUrl ?? "";
    const fake = await connect(
      new FakeProvider({
        url: providerSocketUrl(cluster?.coordinators[0]?.url ?? ""),
        models: [TEST_MODEL_ID],
      }),
    );
    const before = await scrapeMetric(url, "darkbloom_provider_bad_frames_total");
    fake.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]));
    fake.sendRaw(new Uint8Array([0x0a, 0x80]));
    fake.sendRaw(new Uint8Array(64).fill(0xee));
    const until = Date.now() + 5_000;
    while ((await scrapeMetric(url, "darkbloom_provider_bad_frames_total")) < before + 3) {
      if (Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await scrapeMetric(url, "darkbloom_provider_bad_frames_total")).to.equal(before + 3);
    const res = await client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "still there?" }],
      max_tokens: 8,
    });
    expect(res.choices[0]?.message.content).to.equal("fake reply");
    expect(fake.requests).to.have.length(1);
  });
});
