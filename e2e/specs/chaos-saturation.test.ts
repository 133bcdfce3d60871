import { expect } from "chai";
import OpenAI from "openai";
import { SlotState } from "@darkbloom/proto";
import { FakeProvider } from "@darkbloom/testing";
import { ManualStream } from "../chaos/manual-stream.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { ledgerHealth, settlementsOf, waitForSettled } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

/** KV tokens each fake reports: one request of MAX_TOKENS fits, two do not. */
const KV_CAPACITY_TOKENS = 150n;
const MAX_TOKENS = 100;

interface Capacity {
  id: string;
  warm_slots: number;
  queue_depth: number;
}

describe("chaos: a saturated fleet answers 429 with Retry-After", function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  const fakes: FakeProvider[] = [];
  const taken = new Set<string>();

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    // One waiting request per model at most: with both providers full, the next one is hopeless.
    cluster = await startCluster({
      users: 1,
      creditMicroUsd: 5_000_000n,
      env: { DARKBLOOM_QUEUE_MAX_DEPTH: "1", DARKBLOOM_HEDGE_ENABLED: "false" },
    });
    for (let i = 0; i < 2; i++) {
      const fake = new FakeProvider({
        url: providerSocketUrl(cluster.coordinators[0]?.url ?? ""),
        models: [TEST_MODEL_ID],
        reply: () => ({ pieces: [], complete: false }),
      });
      fakes.push(fake);
      await fake.connect();
      fake.send({
        case: "heartbeat",
        value: {
          slots: [
            {
              modelId: TEST_MODEL_ID,
              state: SlotState.IDLE,
              kvCapacityTokens: KV_CAPACITY_TOKENS,
            },
          ],
        },
      });
    }
  });
  after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  const until = async (what: string, check: () => Promise<boolean> | boolean): Promise<void> => {
    for (const deadline = Date.now() + 10_000; !(await check());) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it("holds two, queues one, refuses the next with 429 + Retry-After, and serves the queued one once a slot frees", async () => {
    if (!cluster) throw new Error("no cluster");
    const url = cluster.coordinators[0]?.url ?? "";
    const apiKey = cluster.users[0]?.apiKey ?? "";
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 30_000 });
    const capacity = async (): Promise<Capacity | undefined> => {
      const res = await fetch(`${url}/v1/models/capacity`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      const body = (await res.json()) as { data: Capacity[] };
      return body.data.find((m) => m.id === TEST_MODEL_ID);
    };
    await until("both heartbeats", async () => (await capacity())?.warm_slots === 2);
    const ask = (requestId: string) =>
      client.chat.completions.create(
        {
          model: TEST_MODEL_ID,
          messages: [{ role: "user", content: "hi" }],
          max_tokens: MAX_TOKENS,
        },
        { headers: { "x-request-id": requestId } },
      );

    const a = ask("sat-a");
    const b = ask("sat-b");
    // The token budget puts one on each provider.
    const held = await Promise.all(fakes.map((f) => ManualStream.next(f, taken)));
    const c = ask("sat-c");
    await until("the queued request", async () => (await capacity())?.queue_depth === 1);

    const refused = await ask("sat-d").then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(OpenAI.RateLimitError);
    const rateLimited = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimited.status).to.equal(429);
    expect(Number(rateLimited.headers?.get("retry-after"))).to.be.within(1, 120);

    // A slot frees: the queued request goes to that provider and everyone gets an answer.
    const [first, second] = held;
    if (!first || !second) throw new Error("two requests should be held");
    first.chunk("a");
    first.complete();
    const fakeOfFirst = fakes[held.indexOf(first)] as FakeProvider;
    const queued = await ManualStream.next(fakeOfFirst, taken);
    queued.chunk("c");
    queued.complete();
    second.chunk("b");
    second.complete();
    const answers = await Promise.all([a, b, c]);
    const texts = answers.map((r) => r.choices[0]?.message.content ?? "");
    expect([...texts].sort()).to.deep.equal(["a", "b", "c"]);

    const db = cluster.postgres.pool;
    const ids = ["sat-a", "sat-b", "sat-c", "sat-d"];
    expect(await waitForSettled(db, ids), "stuck holds").to.deep.equal([]);
    const settled = await settlementsOf(db, ids);
    expect(settled.get("sat-d")?.charged_micro_usd ?? 0n).to.equal(0n);
    for (const id of ["sat-a", "sat-b", "sat-c"])
      expect(settled.get(id)?.completion_tokens).to.equal(1n);
    const health = await ledgerHealth(db);
    expect(health.totalMicroUsd).to.equal(0n);
    expect(health.unbalancedTransactions).to.equal(0);
  });
});
