import { expect } from "chai";
import OpenAI from "openai";
import { FakeProvider } from "@darkbloom/testing";
import { ManualStream } from "../chaos/manual-stream.js";
import { providerCount } from "../chaos/metrics.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { ledgerHealth, settlementsOf, waitForSettled } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { neverEnding, TEST_MODEL_ID } from "../testbed/test-model.js";
import { waitForModel } from "../testbed/testbed.js";

/** A provider silent this long is cut off (the testbed asks for heartbeats every 500 ms). */
const LIVENESS_TIMEOUT_MS = 4_000;

describe("chaos: a provider whose socket stalls without closing", function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  let client: OpenAI;
  const fakes: FakeProvider[] = [];
  let stopped: number | undefined;

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({
      users: 1,
      providers: 1,
      creditMicroUsd: 5_000_000n,
      env: {
        DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS: String(LIVENESS_TIMEOUT_MS),
        DARKBLOOM_FIRST_TOKEN_TIMEOUT_MS: String(LIVENESS_TIMEOUT_MS),
        DARKBLOOM_HEDGE_ENABLED: "false",
      },
    });
    client = new OpenAI({
      baseURL: `${cluster.coordinators[0]?.url}/v1`,
      apiKey: cluster.users[0]?.apiKey ?? "",
      maxRetries: 0,
      timeout: 30_000,
    });
  });
  after(() => {
    // A stopped process ignores SIGTERM: let teardown reach it.
    if (stopped) process.kill(stopped, "SIGCONT");
  });
  after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  const url = (): string => cluster?.coordinators[0]?.url ?? "";
  const expectCleanLedger = async (requestId: string): Promise<void> => {
    const db = cluster?.postgres.pool;
    if (!db) throw new Error("no cluster");
    expect(await waitForSettled(db, [requestId]), "stuck holds").to.deep.equal([]);
    const health = await ledgerHealth(db);
    expect(health.totalMicroUsd).to.equal(0n);
    expect(health.unbalancedTransactions).to.equal(0);
  };

  it("cuts off a frozen provider (SIGSTOP) mid-stream: the stream ends with an error, delivered tokens only are charged, and it rejoins once resumed", async () => {
    const pid = cluster?.providers[0]?.process.child.pid;
    if (!pid || !cluster) throw new Error("no provider process");
    const requestId = "chaos-stall-mid-stream";
    const stream = await client.chat.completions.create(
      {
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "Count upwards forever." }],
        max_tokens: 1500,
        temperature: 0,
        logit_bias: neverEnding(),
        stream: true,
      },
      { headers: { "x-request-id": requestId } },
    );
    let received = 0;
    let caught: unknown;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) received++;
        if (received === 3 && !stopped) {
          process.kill(pid, "SIGSTOP");
          stopped = pid;
        }
      }
    } catch (err) {
      caught = err;
    }
    expect(stopped, "the stream finished before the provider was frozen").to.equal(pid);
    expect(caught).to.be.instanceOf(OpenAI.APIError);
    expect(await providerCount(url(), cluster.adminKey, TEST_MODEL_ID)).to.equal(0);
    await expectCleanLedger(requestId);
    const settled = (await settlementsOf(cluster.postgres.pool, [requestId])).get(requestId);
    expect(Number(settled?.completion_tokens)).to.be.within(received, 1499);

    process.kill(pid, "SIGCONT");
    stopped = undefined;
    await waitForModel(url(), cluster.adminKey, TEST_MODEL_ID, 30_000);
    const again = await client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "back?" }],
      max_tokens: 4,
    });
    expect(again.choices[0]?.finish_reason).to.be.oneOf(["stop", "length"]);
    await cluster.providers[0]?.kill();
  });

  it("moves a request whose provider went silent after accepting it to another provider", async () => {
    if (!cluster) throw new Error("no cluster");
    const taken = new Set<string>();
    const alive = new Set<FakeProvider>();
    for (let i = 0; i < 2; i++) {
      const fake = new FakeProvider({
        url: providerSocketUrl(url()),
        models: [TEST_MODEL_ID],
        reply: () => ({ pieces: [], complete: false }),
      });
      fakes.push(fake);
      await fake.connect();
      alive.add(fake);
    }
    const heartbeats = setInterval(() => {
      for (const f of alive) f.send({ case: "heartbeat", value: {} });
    }, 500);
    try {
      const requestId = "chaos-stall-before-first-token";
      const pending = client.chat.completions.create(
        { model: TEST_MODEL_ID, messages: [{ role: "user", content: "go" }], max_tokens: 8 },
        { headers: { "x-request-id": requestId } },
      );
      const asked = (f: FakeProvider): boolean =>
        f.received.some((r) => r.kind.case === "inferenceRequest");
      for (const until = Date.now() + 10_000; !fakes.some(asked);) {
        if (Date.now() > until) throw new Error("no provider got the request");
        await new Promise((r) => setTimeout(r, 10));
      }
      const [silent, survivor] = asked(fakes[0] as FakeProvider) ? fakes : [...fakes].reverse();
      if (!silent || !survivor) throw new Error("two fakes expected");
      await ManualStream.next(silent, taken);
      // Accepted, then nothing: no chunk, no heartbeat, socket left open.
      alive.delete(silent);
      // The re-dispatched request keeps its id: look at the survivor's frames only.
      const retried = await ManualStream.next(survivor, new Set(), 2 * LIVENESS_TIMEOUT_MS + 5_000);
      retried.chunk("rescued");
      retried.complete();

      const data = await pending;
      expect(data.choices[0]?.message.content).to.equal("rescued");
      await expectCleanLedger(requestId);
      const settled = (await settlementsOf(cluster.postgres.pool, [requestId])).get(requestId);
      expect(settled?.provider_id).to.equal(survivor.providerId);
      // The silent provider's socket is closed by the liveness timeout.
      for (const until = Date.now() + 2 * LIVENESS_TIMEOUT_MS; ;) {
        if ((await providerCount(url(), cluster.adminKey, TEST_MODEL_ID)) === 1) break;
        if (Date.now() > until) expect.fail("the silent provider is still registered");
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      clearInterval(heartbeats);
    }
  });
});
