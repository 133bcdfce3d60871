import { expect } from "chai";
import OpenAI from "openai";
import { FakeProvider } from "@darkbloom/testing";
import { SlotState } from "@darkbloom/proto";
import { providerCount, scrapeMetric } from "../chaos/metrics.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { ledgerHealth, waitForSettled } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

/** The watchdog under test: a frame not on the wire after this long closes the provider socket. */
const WRITE_TIMEOUT_MS = 1_000;
/** Far beyond the test: only the write watchdog can cut off a provider that keeps heartbeating. */
const LIVENESS_TIMEOUT_MS = 120_000;
const MIB = 1024 * 1024;
/** Each request carries a 3 MiB prompt: a few of them overflow the loopback socket buffers. */
const PROMPT_BYTES = 3 * MIB;
const BIG_REQUESTS = 4;
const STALLS = "darkbloom_provider_write_stalls_total";

const REDISPATCHES = "darkbloom_routing_redispatches_total";
/** Sequences a provider claims to be running: a busy-looking provider is scored behind an idle one. */
const claimedRunning = new WeakMap<FakeProvider, number>();

/** Heartbeats announcing a KV budget big enough that multi-MiB prompts are admitted at once. */
function heartbeat(fake: FakeProvider): void {
  const running = claimedRunning.get(fake) ?? 0;
  fake.send({
    case: "heartbeat",
    value: {
      slots: [
        {
          modelId: TEST_MODEL_ID,
          state: running > 0 ? SlotState.RUNNING : SlotState.IDLE,
          running,
          waiting: running,
          kvCapacityTokens: 1n << 40n,
        },
      ],
    },
  });
}

describe("chaos: a provider that stops reading its socket (write stall)", function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  let client: OpenAI;
  const fakes: FakeProvider[] = [];
  let stopHeartbeats = (): void => undefined;

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({
      users: 1,
      creditMicroUsd: 100_000_000n,
      env: {
        DARKBLOOM_WRITE_TIMEOUT_MS: String(WRITE_TIMEOUT_MS),
        DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS: String(LIVENESS_TIMEOUT_MS),
        DARKBLOOM_FIRST_TOKEN_TIMEOUT_MS: String(LIVENESS_TIMEOUT_MS),
        DARKBLOOM_MAX_BODY_BYTES: String(8 * MIB),
        DARKBLOOM_MAX_FRAME_BYTES: String(16 * MIB),
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
  after(() => stopHeartbeats());
  after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  const url = (): string => cluster?.coordinators[0]?.url ?? "";
  const metricsUrl = (): string => cluster?.coordinators[0]?.metricsUrl ?? "";
  const connectFake = async (): Promise<FakeProvider> => {
    const fake = new FakeProvider({ url: providerSocketUrl(url()), models: [TEST_MODEL_ID] });
    fakes.push(fake);
    await fake.connect();
    return fake;
  };
  const bigRequest = (requestId: string, i: number): Promise<OpenAI.ChatCompletion> =>
    client.chat.completions.create(
      {
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: String.fromCharCode(97 + i).repeat(PROMPT_BYTES) }],
        max_tokens: 4,
      },
      { headers: { "x-request-id": requestId } },
    );
  const expectCleanLedger = async (requestIds: string[]): Promise<void> => {
    const db = cluster?.postgres.pool;
    if (!db) throw new Error("no cluster");
    expect(await waitForSettled(db, requestIds), "stuck holds").to.deep.equal([]);
    const health = await ledgerHealth(db);
    expect(health.totalMicroUsd).to.equal(0n);
    expect(health.unbalancedTransactions).to.equal(0);
  };

  it("cuts off a provider that stopped reading although it still heartbeats: its requests fail with a clean 502, nothing is charged", async () => {
    if (!cluster) throw new Error("no cluster");
    const staller = await connectFake();
    heartbeat(staller);
    const timer = setInterval(() => fakes.forEach(heartbeat), 300);
    stopHeartbeats = () => clearInterval(timer);
    staller.pauseReading();
    const stallsBefore = await scrapeMetric(metricsUrl(), STALLS);

    const ids = Array.from({ length: BIG_REQUESTS }, (_, i) => `chaos-write-stall-alone-${i}`);
    const outcomes = await Promise.allSettled(ids.map((id, i) => bigRequest(id, i)));

    for (const outcome of outcomes) {
      expect(outcome.status, "a request succeeded on a provider that reads nothing").to.equal(
        "rejected",
      );
      if (outcome.status !== "rejected") continue;
      expect(outcome.reason).to.be.instanceOf(OpenAI.APIError);
      expect((outcome.reason as InstanceType<typeof OpenAI.APIError>).status).to.equal(502);
    }
    expect(await scrapeMetric(metricsUrl(), STALLS)).to.equal(stallsBefore + 1);
    expect(await providerCount(url(), cluster.adminKey, TEST_MODEL_ID)).to.equal(0);
    expect(staller.requests, "the stalled provider never read a request").to.have.length(0);
    await expectCleanLedger(ids);
  });

  it("serves the same multi-MiB requests from a provider that reads its socket", async () => {
    const healthy = await connectFake();
    heartbeat(healthy);
    const ids = Array.from({ length: BIG_REQUESTS }, (_, i) => `chaos-write-stall-healthy-${i}`);
    const answers = await Promise.all(ids.map((id, i) => bigRequest(id, i)));
    for (const a of answers) expect(a.choices[0]?.message.content).to.equal("fake reply");
    expect(healthy.requests).to.have.length(BIG_REQUESTS);
    expect(await scrapeMetric(metricsUrl(), STALLS), "a stall without a stalled provider").to.equal(
      1,
    );
    await expectCleanLedger(ids);
  });

  it("moves the requests of a provider cut off by the write watchdog before their first token to another provider", async () => {
    const staller = await connectFake();
    const busy = fakes.find((f) => f !== staller && f.requests.length > 0);
    if (!busy) throw new Error("the healthy provider of the previous test is gone");
    // The healthy provider looks loaded, so the idle staller is everyone's first choice.
    claimedRunning.set(busy, 8);
    heartbeat(busy);
    heartbeat(staller);
    staller.pauseReading();
    const stallsBefore = await scrapeMetric(metricsUrl(), STALLS);
    const redispatchesBefore = await scrapeMetric(metricsUrl(), REDISPATCHES);
    const servedBefore = busy.requests.length;

    const ids = Array.from({ length: BIG_REQUESTS }, (_, i) => `chaos-write-stall-moved-${i}`);
    const answers = await Promise.all(ids.map((id, i) => bigRequest(id, i)));

    for (const a of answers) expect(a.choices[0]?.message.content).to.equal("fake reply");
    expect(staller.requests, "the stalled provider never read a request").to.have.length(0);
    expect(busy.requests.length - servedBefore).to.equal(BIG_REQUESTS);
    expect(await scrapeMetric(metricsUrl(), STALLS)).to.equal(stallsBefore + 1);
    expect(await scrapeMetric(metricsUrl(), REDISPATCHES)).to.be.at.least(redispatchesBefore + 1);
    await expectCleanLedger(ids);
  });
});
