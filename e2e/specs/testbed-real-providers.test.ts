import { expect } from "chai";
import OpenAI from "openai";
import { scrapeMetric } from "../chaos/metrics.js";
import { auditAccounting, auditContent } from "../load/accounting.js";
import { runLoad, type LoadResult } from "../load/load-generator.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { EventBus } from "../testbed/timing/event-bus.js";

describe("testbed: three real provider processes (MLX test model) behind one coordinator", function () {
  this.timeout(180_000);
  let cluster: Cluster | undefined;
  let load: LoadResult;

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({ providers: 3, users: 2, creditMicroUsd: 5_000_000n });
    const url = cluster.coordinators[0]?.url ?? "";
    // All three must be registered before the load, or the first ones take everything.
    const until = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(`${url}/v1/models`, {
        headers: { authorization: `Bearer ${cluster.adminKey}` },
      });
      const body = (await res.json()) as { data?: Array<{ id: string; providers?: number }> };
      if ((body.data?.find((m) => m.id === TEST_MODEL_ID)?.providers ?? 0) >= 3) break;
      if (Date.now() > until) throw new Error("three providers did not register in 30 s");
      await new Promise((r) => setTimeout(r, 200));
    }
    load = await runLoad(
      {
        mode: "closed",
        concurrency: 6,
        maxRequests: 18,
        maxDurationMs: 120_000,
        streamShare: 0.5,
        models: [TEST_MODEL_ID],
        maxTokens: 10,
        clients: cluster.users.map(
          (u) =>
            new OpenAI({ baseURL: `${url}/v1`, apiKey: u.apiKey, maxRetries: 0, timeout: 60_000 }),
        ),
        runId: "real",
      },
      new EventBus(),
    );
  });

  after(async () => {
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("answers every concurrent request and every provider gets traffic", () => {
    expect(load.records.filter((r) => r.error !== undefined).map((r) => r.error)).to.deep.equal([]);
    expect(new Set(load.records.map((r) => r.providerId)).size).to.equal(3);
  });

  it("charges exactly the usage each response reported, 95 % to the serving provider", async () => {
    const url = cluster?.coordinators[0]?.metricsUrl ?? "";
    // A hedge that wins moves a request after its headers named the first provider.
    const switches =
      (await scrapeMetric(url, "darkbloom_routing_hedges_total")) +
      (await scrapeMetric(url, "darkbloom_routing_redispatches_total"));
    expect(
      await auditAccounting((cluster as Cluster).postgres.pool, load.records, switches),
    ).to.deep.equal([]);
  });

  it("streams the same greedy text as the non-streamed answer to the same prompt", () => {
    expect(auditContent(load.records, (r) => load.promptOf.get(r.requestId) ?? "")).to.deep.equal(
      [],
    );
  });
});
