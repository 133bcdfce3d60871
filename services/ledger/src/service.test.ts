import { expect } from "chai";
import { Code, ConnectError } from "@connectrpc/connect";
import { isInsufficientBalance } from "./ledger-errors.js";
import { startLedgerHarness, type LedgerHarness } from "./ledger.test-harness.js";
import { setPrice } from "./prices.js";

describe("LedgerService", () => {
  let harness: LedgerHarness | undefined;
  const h = (): LedgerHarness => {
    if (harness === undefined) throw new Error("before hook did not run");
    return harness;
  };
  const codeOf = (error: unknown): Code => ConnectError.from(error).code;

  before(async () => {
    harness = await startLedgerHarness();
    // $1 per million input tokens, $3 per million output tokens: 1 and 3 micro-USD per token.
    await setPrice(h().db.pool, "unit-model", {
      inputMicroUsdPerMillion: 1_000_000n,
      outputMicroUsdPerMillion: 3_000_000n,
    });
  });
  after(async () => {
    await harness?.db.stop();
  });

  it("prices an unknown model at the default row and a priced model at its own", async () => {
    expect(await h().client.getPrice({ model: "nobody-priced-me" })).to.include({
      inputMicroUsdPerMillion: 500_000n,
      outputMicroUsdPerMillion: 1_500_000n,
    });
    expect(await h().client.getPrice({ model: "unit-model" })).to.include({
      inputMicroUsdPerMillion: 1_000_000n,
      outputMicroUsdPerMillion: 3_000_000n,
    });
  });

  it("credits once per idempotency key", async () => {
    const credit = {
      accountId: "acct-credit",
      amountMicroUsd: 1_000n,
      reason: "deposit",
      idempotencyKey: "evt-1",
    };
    expect((await h().client.credit(credit)).balanceMicroUsd).to.equal(1_000n);
    expect((await h().client.credit(credit)).balanceMicroUsd).to.equal(1_000n);
    const reused = await h()
      .client.credit({ ...credit, amountMicroUsd: 5n })
      .catch(codeOf);
    expect(reused).to.equal(Code.AlreadyExists);
    expect(
      await h()
        .client.credit({ ...credit, amountMicroUsd: 0n, idempotencyKey: "evt-2" })
        .catch(codeOf),
    ).to.equal(Code.InvalidArgument);
  });

  it("holds the worst case, settles usage at the held price with a 95% provider split, releases the rest", async () => {
    await h().client.credit({
      accountId: "c1",
      amountMicroUsd: 10_000n,
      reason: "deposit",
      idempotencyKey: "c1-1",
    });
    const hold = await h().client.hold({
      requestId: "r1",
      accountId: "c1",
      model: "unit-model",
      maxPromptTokens: 100,
      maxCompletionTokens: 1_000,
    });
    expect(hold.heldMicroUsd).to.equal(3_100n);
    expect(await h().client.getBalance({ accountId: "c1" })).to.include({
      balanceMicroUsd: 10_000n,
      heldMicroUsd: 3_100n,
      availableMicroUsd: 6_900n,
    });
    // The price changes after the hold; the settlement still uses the held price.
    await setPrice(h().db.pool, "unit-model", {
      inputMicroUsdPerMillion: 9_000_000n,
      outputMicroUsdPerMillion: 9_000_000n,
    });
    const settled = await h().client.settle({
      requestId: "r1",
      providerAccountId: "p1",
      usage: { promptTokens: 40, completionTokens: 3 },
    });
    // 40*1 + 3*3 = 49; provider floor(49*0.95) = 46; platform 3; released 3100 - 49.
    expect(settled).to.include({
      chargedMicroUsd: 49n,
      providerCreditMicroUsd: 46n,
      platformFeeMicroUsd: 3n,
      releasedMicroUsd: 3_051n,
    });
    expect(await h().client.getBalance({ accountId: "c1" })).to.include({
      balanceMicroUsd: 9_951n,
      heldMicroUsd: 0n,
      availableMicroUsd: 9_951n,
    });
    expect((await h().client.getBalance({ accountId: "provider:p1" })).balanceMicroUsd).to.equal(
      46n,
    );
    await setPrice(h().db.pool, "unit-model", {
      inputMicroUsdPerMillion: 1_000_000n,
      outputMicroUsdPerMillion: 3_000_000n,
    });
  });

  it("replays a settlement with the same figures and no new money", async () => {
    await h().client.credit({
      accountId: "c2",
      amountMicroUsd: 1_000n,
      reason: "deposit",
      idempotencyKey: "c2-1",
    });
    await h().client.hold({
      requestId: "r2",
      accountId: "c2",
      model: "unit-model",
      maxPromptTokens: 10,
      maxCompletionTokens: 10,
    });
    const first = await h().client.settle({
      requestId: "r2",
      providerAccountId: "p2",
      usage: { promptTokens: 10, completionTokens: 1 },
    });
    const again = await h().client.settle({
      requestId: "r2",
      providerAccountId: "p2",
      usage: { promptTokens: 999, completionTokens: 999 },
    });
    expect(again).to.deep.equal(first);
    expect((await h().client.getBalance({ accountId: "provider:p2" })).balanceMicroUsd).to.equal(
      first.providerCreditMicroUsd,
    );
    expect((await h().client.getBalance({ accountId: "c2" })).balanceMicroUsd).to.equal(
      1_000n - first.chargedMicroUsd,
    );
  });

  it("releases the whole hold when settled with zero usage", async () => {
    await h().client.credit({
      accountId: "c3",
      amountMicroUsd: 500n,
      reason: "deposit",
      idempotencyKey: "c3-1",
    });
    await h().client.hold({
      requestId: "r3",
      accountId: "c3",
      model: "unit-model",
      maxPromptTokens: 100,
      maxCompletionTokens: 100,
    });
    const settled = await h().client.settle({
      requestId: "r3",
      providerAccountId: "",
      usage: { promptTokens: 0, completionTokens: 0 },
    });
    expect(settled).to.include({
      chargedMicroUsd: 0n,
      providerCreditMicroUsd: 0n,
      platformFeeMicroUsd: 0n,
      releasedMicroUsd: 400n,
    });
    expect(await h().client.getBalance({ accountId: "c3" })).to.include({
      balanceMicroUsd: 500n,
      heldMicroUsd: 0n,
    });
  });

  it("refuses a hold beyond the available balance as FailedPrecondition 'insufficient balance'", async () => {
    await h().client.credit({
      accountId: "c4",
      amountMicroUsd: 100n,
      reason: "deposit",
      idempotencyKey: "c4-1",
    });
    const error = await h()
      .client.hold({
        requestId: "r4",
        accountId: "c4",
        model: "unit-model",
        maxPromptTokens: 101,
        maxCompletionTokens: 0,
      })
      .catch((e: unknown) => e);
    expect(codeOf(error)).to.equal(Code.FailedPrecondition);
    expect(isInsufficientBalance(error)).to.equal(true);
    expect(await h().client.getBalance({ accountId: "c4" })).to.include({
      availableMicroUsd: 100n,
      heldMicroUsd: 0n,
    });
    // The refused request id was not consumed.
    await h().client.credit({
      accountId: "c4",
      amountMicroUsd: 1n,
      reason: "top-up",
      idempotencyKey: "c4-2",
    });
    expect(
      (
        await h().client.hold({
          requestId: "r4",
          accountId: "c4",
          model: "unit-model",
          maxPromptTokens: 101,
          maxCompletionTokens: 0,
        })
      ).heldMicroUsd,
    ).to.equal(101n);
  });

  it("treats a repeated hold as a replay and refuses the id for another account", async () => {
    await h().client.credit({
      accountId: "c5",
      amountMicroUsd: 100n,
      reason: "deposit",
      idempotencyKey: "c5-1",
    });
    const hold = {
      requestId: "r5",
      accountId: "c5",
      model: "unit-model",
      maxPromptTokens: 10,
      maxCompletionTokens: 0,
    };
    await h().client.hold(hold);
    expect((await h().client.hold(hold)).heldMicroUsd).to.equal(10n);
    expect(await h().client.getBalance({ accountId: "c5" })).to.include({
      availableMicroUsd: 90n,
      heldMicroUsd: 10n,
    });
    expect(
      await h()
        .client.hold({ ...hold, accountId: "c6" })
        .catch(codeOf),
    ).to.equal(Code.AlreadyExists);
  });

  it("refuses to settle an unknown request and to charge without a provider", async () => {
    expect(
      await h().client.settle({ requestId: "nope", providerAccountId: "p1" }).catch(codeOf),
    ).to.equal(Code.NotFound);
    await h().client.credit({
      accountId: "c7",
      amountMicroUsd: 100n,
      reason: "deposit",
      idempotencyKey: "c7-1",
    });
    await h().client.hold({
      requestId: "r7",
      accountId: "c7",
      model: "unit-model",
      maxPromptTokens: 10,
      maxCompletionTokens: 0,
    });
    expect(
      await h()
        .client.settle({
          requestId: "r7",
          providerAccountId: "",
          usage: { promptTokens: 5, completionTokens: 0 },
        })
        .catch(codeOf),
    ).to.equal(Code.InvalidArgument);
  });
});
