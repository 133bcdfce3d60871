import { expect } from "chai";
import OpenAI from "openai";
import { FakeProvider } from "@darkbloom/testing";
import { pumpHeartbeats } from "../chaos/manual-stream.js";
import { providerCount, scrapeMetric } from "../chaos/metrics.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { ledgerHealth } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

const FLOOD = 500;
const LIVENESS_MS = 2_000;

describe("chaos: registration floods and long idle periods", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  let url = "";
  let metricsUrl = "";
  let client: OpenAI;
  const flood: FakeProvider[] = [];
  const pumps: Array<() => void> = [];

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({
      fakeProvidersPerCoordinator: 2,
      users: 1,
      env: {
        DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS: String(LIVENESS_MS),
        DARKBLOOM_HEARTBEAT_INTERVAL_MS: "300",
      },
    });
    url = cluster.coordinators[0]?.url ?? "";
    metricsUrl = cluster.coordinators[0]?.metricsUrl ?? "";
    // Heartbeats keep fakes registered past the short liveness timeout (the flood's too).
    pumps.push(pumpHeartbeats(cluster.fakes.flat(), 300), pumpHeartbeats(flood, 300));
    client = new OpenAI({
      baseURL: `${url}/v1`,
      apiKey: cluster.users[0]?.apiKey ?? "",
      maxRetries: 0,
      timeout: 20_000,
    });
  });

  after(async () => {
    for (const stop of pumps) stop();
    await Promise.all(flood.splice(0).map((f) => f.close()));
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  const ask = (content: string) =>
    client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content }],
      max_tokens: 8,
    });

  it(`stays responsive through ${FLOOD} provider registrations and forgets them all after`, async () => {
    const rssBefore = await scrapeMetric(metricsUrl, "process_resident_memory_bytes");
    // In waves of 50 connecting at once, as a fleet reconnecting after an outage would; each
    // fake heartbeats from the start (a wave registers in more than the liveness timeout).
    for (let i = 0; i < FLOOD; i += 50) {
      const wave = Array.from(
        { length: 50 },
        () => new FakeProvider({ url: providerSocketUrl(url), models: [`flood-model-${i}`] }),
      );
      flood.push(...wave);
      await Promise.all(wave.map((p) => p.connect()));
      const health = await fetch(`${url}/health`);
      expect(health.status).to.equal(200);
    }
    expect(await providerCount(url, cluster?.adminKey ?? "", "flood-model-0")).to.equal(50);
    const during = await ask("during the flood");
    expect(during.choices[0]?.message.content).to.be.a("string").and.not.equal("");
    const rssPeak = await scrapeMetric(metricsUrl, "process_resident_memory_bytes");

    await Promise.all(flood.splice(0).map((f) => f.close()));
    const until = Date.now() + 10_000;
    while ((await providerCount(url, cluster?.adminKey ?? "", "flood-model-0")) > 0) {
      if (Date.now() > until) expect.fail("flooded providers are still registered");
      await new Promise((r) => setTimeout(r, 100));
    }
    const models = (await client.models.list()).data.map((m) => m.id);
    expect(models).to.deep.equal([TEST_MODEL_ID]);
    expect(await providerCount(url, cluster?.adminKey ?? "", TEST_MODEL_ID)).to.equal(2);
    const after = await ask("after the flood");
    expect(after.choices[0]?.message.content).to.be.a("string").and.not.equal("");
    const rssAfter = await scrapeMetric(metricsUrl, "process_resident_memory_bytes");
    const mib = (b: number): string => (b / 1024 / 1024).toFixed(1);
    process.stdout.write(
      `      coordinator RSS MiB: before ${mib(rssBefore)}, peak ${mib(rssPeak)}, after ${mib(rssAfter)}\n`,
    );
  });

  it("answers the first burst after an idle period longer than the liveness timeout without 5xx", async () => {
    await new Promise((r) => setTimeout(r, LIVENESS_MS * 3));
    const t0 = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 24 }, (_, i) => ask(`burst ${i}`)),
    );
    const failures = results
      .filter((r): r is PromiseRejectedResult => r.status === "rejected")
      .map((r) => String((r.reason as Error).message));
    expect(failures).to.deep.equal([]);
    process.stdout.write(
      `      burst of 24 after idle: ${(performance.now() - t0).toFixed(0)} ms\n`,
    );
    const health = await ledgerHealth((cluster as Cluster).postgres.pool);
    expect(health.totalMicroUsd).to.equal(0n);
  });
});
