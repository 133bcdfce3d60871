import { expect } from "chai";
import OpenAI from "openai";
import { runLoad, type LoadResult } from "../load/load-generator.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { ledgerHealth } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { EventBus } from "../testbed/timing/event-bus.js";

describe("chaos: Postgres restarted under load", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  let client: OpenAI;

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({ fakeProvidersPerCoordinator: 2, users: 2 });
    client = new OpenAI({
      baseURL: `${cluster.coordinators[0]?.url}/v1`,
      apiKey: cluster.users[1]?.apiKey ?? "",
      maxRetries: 0,
      timeout: 15_000,
    });
  });

  after(async () => {
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  const ask = () =>
    client.chat.completions
      .create({ model: TEST_MODEL_ID, messages: [{ role: "user", content: "hi" }], max_tokens: 4 })
      .then(
        () => 200,
        (err: unknown) => {
          const status: unknown = err instanceof OpenAI.APIError ? err.status : undefined;
          return typeof status === "number" ? status : -1;
        },
      );

  it("fails requests cleanly with 5xx during the outage and serves again after, with a balanced ledger", async () => {
    if (!cluster) throw new Error("no cluster");
    const pg = cluster.postgres;
    const background = runLoad(
      {
        mode: "open",
        ratePerSecond: 10,
        maxRequests: 120,
        maxDurationMs: 12_000,
        streamShare: 0.5,
        models: [TEST_MODEL_ID],
        maxTokens: 8,
        clients: [
          new OpenAI({
            baseURL: `${cluster.coordinators[0]?.url}/v1`,
            apiKey: cluster.users[0]?.apiKey ?? "",
            maxRetries: 0,
            timeout: 15_000,
          }),
        ],
        runId: "pg-chaos",
      },
      new EventBus(),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    await pg.stopServer();
    const during = await Promise.all([ask(), ask(), ask()]);
    for (const status of during) expect(status, "status during the outage").to.be.within(500, 599);

    await pg.startServer();
    const until = Date.now() + 30_000;
    while ((await ask()) !== 200) {
      if (Date.now() > until)
        expect.fail("no request succeeded within 30 s of Postgres restarting");
      await new Promise((r) => setTimeout(r, 200));
    }
    const afterwards = await Promise.all(Array.from({ length: 10 }, () => ask()));
    expect(afterwards).to.deep.equal(Array(10).fill(200));

    const load: LoadResult = await background;
    const statuses = new Map<number, number>();
    for (const r of load.records) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    // Every background request ended (none hung past its bound) with 200 or a 5xx.
    expect(load.records.length).to.be.greaterThan(0);
    for (const status of statuses.keys()) expect(status === 200 || status >= 500).to.equal(true);
    const health = await ledgerHealth(pg.pool);
    expect(health.totalMicroUsd).to.equal(0n);
    expect(health.unbalancedTransactions).to.equal(0);
    expect(health.driftedAccounts).to.equal(0);
    process.stdout.write(
      `      background statuses: ${JSON.stringify(Object.fromEntries(statuses))}; holds left open by the outage: ${health.openHolds.length}\n`,
    );
  });
});
