import { expect } from "chai";
import OpenAI from "openai";
import { auditAccounting, auditContent } from "../load/accounting.js";
import { runLoad, type LoadResult } from "../load/load-generator.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { balanceOf, settlementsOf, waitForLeasesReturned } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { EventBus } from "../testbed/timing/event-bus.js";
import { RecordCollector, SegmentCollector } from "../testbed/timing/segment-collector.js";
import { createUserPool } from "../testbed/user-pool.js";

const CREDIT = 5_000_000n;

describe("testbed: two coordinators on one Postgres, fake providers, a funded user pool", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  let load: LoadResult;
  const clientFor = (url: string, key: string): OpenAI =>
    new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0, timeout: 30_000 });

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({
      coordinators: 2,
      fakeProvidersPerCoordinator: 3,
      users: 4,
      creditMicroUsd: CREDIT,
    });
    const [a, b] = cluster.coordinators;
    // Users 0 and 2 go through coordinator A, 1 and 3 through B: one ledger behind both.
    const clients = cluster.users.map((u, i) =>
      clientFor((i % 2 === 0 ? a : b)?.url ?? "", u.apiKey),
    );
    const bus = new EventBus();
    bus.subscribe(new RecordCollector().collect);
    load = await runLoad(
      {
        mode: "closed",
        concurrency: 8,
        maxRequests: 48,
        maxDurationMs: 60_000,
        streamShare: 0.5,
        models: [TEST_MODEL_ID],
        maxTokens: 16,
        clients,
        runId: "acct",
      },
      bus,
    );
  });

  after(async () => {
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("answers every request of a mixed streaming/non-streaming closed-loop run", () => {
    const failed = load.records.filter((r) => r.error !== undefined);
    expect(failed.map((r) => `${r.requestId}: ${r.status} ${r.error}`)).to.deep.equal([]);
    expect(load.records).to.have.length(48);
    expect(load.records.some((r) => r.stream)).to.equal(true);
    expect(load.records.some((r) => !r.stream)).to.equal(true);
  });

  it("charges each request exactly its usage, credits providers 95 %, and the ledger sums to zero", async () => {
    const db = cluster?.postgres.pool;
    if (!db) throw new Error("no cluster");
    expect(await auditAccounting(db, load.records)).to.deep.equal([]);
  });

  it("delivers the same text streamed and not (no lost, duplicated or reordered chunks)", () => {
    expect(auditContent(load.records, (r) => load.promptOf.get(r.requestId) ?? "")).to.deep.equal(
      [],
    );
  });

  it("deducts from each user's balance exactly the sum of their charges", async () => {
    const db = cluster?.postgres.pool;
    if (!db || !cluster) throw new Error("no cluster");
    // Holds placed against credit leases: what a lease did not charge is back in the wallet once
    // its replica returns it (idle).
    await waitForLeasesReturned(db);
    const settled = await settlementsOf(
      db,
      load.records.map((r) => r.requestId),
    );
    for (const [i, user] of cluster.users.entries()) {
      const charged = load.records
        .filter((r) => load.userOf.get(r.requestId) === i)
        .reduce((sum, r) => sum + (settled.get(r.requestId)?.charged_micro_usd ?? 0n), 0n);
      expect(charged > 0n, `user ${i} was charged`).to.equal(true);
      expect(await balanceOf(db, `consumer:${user.accountId}`)).to.equal(CREDIT - charged);
      expect(await balanceOf(db, `hold:${user.accountId}`)).to.equal(0n);
    }
  });

  it("pays every provider 95 % of what its requests were charged and the platform the rest", async () => {
    const db = cluster?.postgres.pool;
    if (!db || !cluster) throw new Error("no cluster");
    const settled = [
      ...(
        await settlementsOf(
          db,
          load.records.map((r) => r.requestId),
        )
      ).values(),
    ];
    const providers = new Set(settled.map((s) => s.provider_id));
    for (const id of providers) {
      const mine = settled.filter((s) => s.provider_id === id);
      const charged = mine.reduce((sum, s) => sum + s.charged_micro_usd, 0n);
      const credited = mine.reduce((sum, s) => sum + s.provider_credit_micro_usd, 0n);
      expect(await balanceOf(db, `provider:${id}`)).to.equal(credited);
      // floor(95 %) per request: within one micro-USD per request of 95 % of the total.
      const shortfall = charged * 95n - credited * 100n;
      expect(shortfall >= 0n && shortfall < BigInt(mine.length) * 100n, `split of ${id}`).to.equal(
        true,
      );
    }
  });

  it("spreads concurrent requests over all three providers of a coordinator", () => {
    const a = new Set(cluster?.fakes[0]?.map((f) => f.providerId));
    const b = new Set(cluster?.fakes[1]?.map((f) => f.providerId));
    const servedA = new Set(load.records.map((r) => r.providerId).filter((p) => p && a.has(p)));
    const servedB = new Set(load.records.map((r) => r.providerId).filter((p) => p && b.has(p)));
    expect(servedA.size).to.equal(3);
    expect(servedB.size).to.equal(3);
  });

  it("refuses a request the balance cannot cover with 402 and charges nothing", async () => {
    if (!cluster) throw new Error("no cluster");
    const [broke] = await createUserPool(
      cluster.postgres.pool,
      cluster.coordinators[0]?.url ?? "",
      cluster.adminKey,
      {
        users: 1,
        creditMicroUsd: 0n,
        namePrefix: "broke",
      },
    );
    const client = clientFor(cluster.coordinators[0]?.url ?? "", broke?.apiKey ?? "");
    const err = await client.chat.completions
      .create({ model: TEST_MODEL_ID, messages: [{ role: "user", content: "hi" }], max_tokens: 8 })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).to.equal(402);
    expect(await balanceOf(cluster.postgres.pool, `consumer:${broke?.accountId}`)).to.equal(0n);
  });

  it("profiles the run per segment from client timestamps (and X-Timing when present)", () => {
    const segments = new SegmentCollector();
    for (const record of load.records) segments.collect({ type: "finished", record });
    const profile = segments.profile("accounting run");
    expect(profile.requests).to.equal(48);
    expect(profile.segments["client.complete"]?.count).to.equal(48);
    expect(profile.segments["client.first_token"]?.count).to.equal(
      load.records.filter((r) => r.stream).length,
    );
  });
});
