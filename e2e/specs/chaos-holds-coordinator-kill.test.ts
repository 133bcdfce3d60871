import { expect } from "chai";
import { sql } from "@darkbloom/db";
import OpenAI from "openai";
import { z } from "zod";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { balanceOf, ledgerHealth } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { neverEnding, TEST_MODEL_ID } from "../testbed/test-model.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

const settlementRow = z.object({ swept: z.boolean(), charged_micro_usd: z.bigint() });

describe("chaos: coordinator killed -9 mid-stream leaves no stuck hold", function () {
  this.timeout(180_000);
  let cluster: Cluster | undefined;
  let restarted: RunningCoordinator | undefined;
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({ users: 1, providers: 1 });
  });
  after(async () => {
    await restarted?.stop();
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("the restarted coordinator sweeps the dead request's hold: held back to 0, ledger balanced", async () => {
    if (!cluster) throw new Error("no cluster");
    const first = cluster.coordinators[0] as RunningCoordinator;
    const user = cluster.users[0];
    if (!user) throw new Error("no user");
    const db = cluster.postgres.pool;
    await waitForModel(first.url, cluster.adminKey, TEST_MODEL_ID);
    const requestId = "chaos-kill-9";
    const client = new OpenAI({
      baseURL: `${first.url}/v1`,
      apiKey: user.apiKey,
      maxRetries: 0,
      timeout: 30_000,
    });
    const stream = await client.chat.completions.create(
      {
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "Tell me a very long story." }],
        max_tokens: 1500,
        stream: true,
        logit_bias: neverEnding(),
      },
      { headers: { "x-request-id": requestId } },
    );
    const wallet = `consumer:${user.accountId}`;
    const hold = `hold:${user.accountId}`;
    let chunks = 0;
    let streamError: unknown;
    try {
      for await (const chunk of stream) {
        if (!chunk.choices[0]?.delta.content) continue;
        if (++chunks < 3) continue;
        // mid-stream: the hold is placed and not settled; kill the coordinator without warning
        expect((await balanceOf(db, hold)) > 0n, "the hold is placed").to.equal(true);
        await first.process.kill();
      }
    } catch (err) {
      streamError = err;
    }
    expect(streamError, "the stream should break when its coordinator dies").to.be.instanceOf(
      Error,
    );
    expect((await ledgerHealth(db)).openHolds).to.include(requestId);

    // restart on the same port and database; the provider reconnects to it
    const port = new URL(first.url).port;
    restarted = await startCoordinator(
      {
        DATABASE_URL: cluster.postgres.url,
        DARKBLOOM_PORT: port,
        DARKBLOOM_HOLD_SWEEP_AFTER_MS: "3000",
        DARKBLOOM_HOLD_SWEEP_INTERVAL_MS: "500",
      },
      { expectAdminKey: false },
    );
    const until = Date.now() + 60_000;
    while ((await balanceOf(db, hold)) !== 0n && Date.now() < until)
      await new Promise((r) => setTimeout(r, 250));

    expect(await balanceOf(db, hold)).to.equal(0n);
    expect(await balanceOf(db, wallet)).to.equal(user.creditMicroUsd);
    const settlement = await db.one(sql.type(settlementRow)`
      SELECT s.swept, s.charged_micro_usd FROM ledger_settlements s
      JOIN ledger_holds h ON h.request_id = s.request_id WHERE h.client_request_id = ${requestId}`);
    expect(settlement).to.deep.equal({ swept: true, charged_micro_usd: 0n });
    const health = await ledgerHealth(db);
    expect(health.totalMicroUsd).to.equal(0n);
    expect(health.unbalancedTransactions).to.equal(0);
    expect(health.driftedAccounts).to.equal(0);
    expect(health.openHolds).to.deep.equal([]);
    // the network still serves after the restart
    await waitForModel(restarted.url, cluster.adminKey, TEST_MODEL_ID, 30_000);
  });
});
