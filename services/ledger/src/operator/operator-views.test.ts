import { expect } from "chai";
import { startLedgerHarness, type LedgerHarness } from "../ledger.test-harness.js";
import { machineEarnings } from "./operator-views.js";

describe("an operator's earnings per machine", () => {
  let harness: LedgerHarness | undefined;
  const h = (): LedgerHarness => {
    if (harness === undefined) throw new Error("before hook did not run");
    return harness;
  };

  before(async () => {
    harness = await startLedgerHarness();
    await h().client.credit({
      accountId: "consumer",
      amountMicroUsd: 10_000_000n,
      reason: "invite credit",
      idempotencyKey: "invite:consumer",
    });
  });
  after(async () => {
    await harness?.db.stop();
  });

  let n = 0;
  async function serve(operator: string, machine: string, tokens: number): Promise<bigint> {
    const requestId = `r-${++n}`;
    await h().client.hold({
      requestId,
      accountId: "consumer",
      model: "small",
      maxPromptTokens: 1000,
      maxCompletionTokens: 1000,
    });
    const settled = await h().client.settle({
      requestId,
      providerAccountId: operator,
      providerMachineId: machine,
      usage: { promptTokens: tokens, completionTokens: tokens },
    });
    return settled.providerCreditMicroUsd;
  }

  it("sums each machine's settlements credited to the operator, and never another operator's", async () => {
    const a1 = (await serve("op-a", "mac-1", 100)) + (await serve("op-a", "mac-1", 300));
    const a2 = await serve("op-a", "mac-2", 200);
    await serve("op-b", "mac-3", 500);
    await serve("op-a", "", 50); // no machine recorded: in the total, under no machine

    const mine = await machineEarnings(h().db.pool, "op-a");
    expect(
      mine.map((m) => [m.providerId, m.requests, m.promptTokens, m.earnedMicroUsd]),
    ).to.deep.equal(
      [
        ["mac-1", 2n, 400n, a1],
        ["mac-2", 1n, 200n, a2],
      ].sort((x, y) => Number((y[3] as bigint) - (x[3] as bigint))),
    );
    expect(await machineEarnings(h().db.pool, "op-a", "mac-2")).to.have.length(1);
    // op-b's machine, asked for by op-a: nothing
    expect(await machineEarnings(h().db.pool, "op-a", "mac-3")).to.deep.equal([]);
    expect((await machineEarnings(h().db.pool, "op-b")).map((m) => m.providerId)).to.deep.equal([
      "mac-3",
    ]);
  });
});
