import { expect } from "chai";
import { HoldHeartbeat } from "./hold-heartbeat.js";
import { startLedgerHarness, type LedgerHarness } from "./ledger.test-harness.js";
import { sweepStuckHolds } from "./sweep-holds.js";
import { findUsage } from "./usage.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("open-hold heartbeat (the stuck-hold sweeper never takes a request still streaming)", function () {
  this.timeout(60_000);
  let harness: LedgerHarness | undefined;
  let heartbeat: HoldHeartbeat | undefined;
  const h = (): LedgerHarness => {
    if (harness === undefined) throw new Error("before hook did not run");
    return harness;
  };
  before(async () => {
    harness = await startLedgerHarness(5);
  });
  afterEach(async () => {
    await heartbeat?.close();
  });
  after(async () => {
    await harness?.db.stop();
  });

  const holdFor = async (requestId: string): Promise<void> => {
    await h().client.credit({
      accountId: `acct-${requestId}`,
      amountMicroUsd: 1_000_000n,
      reason: "deposit",
      idempotencyKey: `fund-${requestId}`,
    });
    await h().client.hold({
      requestId,
      accountId: `acct-${requestId}`,
      model: "long-model",
      maxPromptTokens: 10,
      maxCompletionTokens: 100_000,
    });
  };

  it("keeps a long request's hold past the sweep age while heartbeated, and sweeps it once the heartbeat stops", async () => {
    const errors: unknown[] = [];
    heartbeat = new HoldHeartbeat(h().db.pool, {
      intervalMs: 50,
      maxRequestMs: 3_600_000,
      onError: (err) => errors.push(err),
    });
    await holdFor("long-1");
    await holdFor("dead-1");
    heartbeat.add("long-1"); // streaming on this replica; dead-1's replica died
    await sleep(400);
    await heartbeat.beatNow();
    const sweep = () => sweepStuckHolds(h().db.pool, { olderThanMs: 250, maxPerSweep: 10 });
    expect(await sweep()).to.equal(1);
    expect(await findUsage(h().db.pool, "dead-1", "acct-dead-1")).to.include({ swept: true });
    expect(await findUsage(h().db.pool, "long-1", "acct-long-1")).to.equal(null);

    heartbeat.remove("long-1"); // e.g. its settlement failed: the sweeper may take it now
    await sleep(400);
    expect(await sweep()).to.equal(1);
    expect(await findUsage(h().db.pool, "long-1", "acct-long-1")).to.include({ swept: true });
    expect(errors).to.deep.equal([]);
  });

  it("stops heartbeating a request open longer than the maximum request duration", async () => {
    heartbeat = new HoldHeartbeat(h().db.pool, {
      intervalMs: 60_000,
      maxRequestMs: 100,
      onError: () => undefined,
    });
    await holdFor("forgotten-1");
    heartbeat.add("forgotten-1");
    expect(heartbeat.size).to.equal(1);
    await sleep(200);
    await heartbeat.beatNow();
    expect(heartbeat.size).to.equal(0);
  });
});
