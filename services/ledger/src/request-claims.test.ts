import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { requestIdRefusal, type RequestIdRefusal } from "./ledger-errors.js";
import { startLedgerHarness, type LedgerHarness } from "./ledger.test-harness.js";
import { setPrice } from "./prices.js";

// A consumer's request id is for retrying the same request (DESIGN §10): the hold must never
// return a settled or another request's hold as if it were new.
describe("ledger holds: consumer request ids", () => {
  let harness: LedgerHarness | undefined;
  const h = (): LedgerHarness => {
    if (harness === undefined) throw new Error("before hook did not run");
    return harness;
  };
  const refusalOf = (error: unknown): RequestIdRefusal | "other" =>
    requestIdRefusal(error) ?? "other";
  const fingerprintA = randomBytes(32);
  const fingerprintB = randomBytes(32);
  let next = 0;
  const hold = (accountId: string, clientRequestId: string, claimId: string, fp = fingerprintA) =>
    h().client.hold({
      requestId: `${claimId}-hold${next++}`,
      accountId,
      model: "claims-model",
      maxPromptTokens: 10,
      maxCompletionTokens: 100,
      clientRequestId,
      claimId,
      requestFingerprint: fp,
    });
  const settle = (requestId: string, completionTokens: number) =>
    h().client.settle({
      requestId,
      providerAccountId: "prov-claims",
      usage: { promptTokens: 10, completionTokens },
    });
  const fund = (accountId: string, amount: bigint) =>
    h().client.credit({
      accountId,
      amountMicroUsd: amount,
      reason: "deposit",
      idempotencyKey: `fund-${accountId}-${next++}`,
    });
  const available = async (accountId: string) =>
    (await h().client.getBalance({ accountId })).availableMicroUsd;

  before(async () => {
    harness = await startLedgerHarness();
    await setPrice(h().db.pool, "claims-model", {
      inputMicroUsdPerMillion: 1_000_000n,
      outputMicroUsdPerMillion: 1_000_000n,
    });
  });
  after(async () => {
    await harness?.db.stop();
  });

  it("refuses a settled request id to a later request, whatever its size, and holds nothing", async () => {
    await fund("claim-a", 10_000n);
    const first = "claim-1";
    await hold("claim-a", "r1", first);
    await settle(`${first}-hold${next - 1}`, 1);
    const before = await available("claim-a");
    expect(await hold("claim-a", "r1", "claim-2").catch(refusalOf)).to.equal("completed");
    expect(await available("claim-a")).to.equal(before);
  });

  it("refuses a reused id with another request, and a concurrent reuse while the first runs", async () => {
    await fund("claim-b", 10_000n);
    await hold("claim-b", "r1", "claim-3");
    expect(await hold("claim-b", "r1", "claim-4", fingerprintB).catch(refusalOf)).to.equal(
      "reused",
    );
    expect(await hold("claim-b", "r1", "claim-5").catch(refusalOf)).to.equal("in_progress");
    expect(await available("claim-b")).to.equal(10_000n - 110n);
  });

  it("scopes ids per account: another account's same id holds on its own, with no refusal", async () => {
    await fund("claim-c", 10_000n);
    await fund("claim-d", 10_000n);
    await hold("claim-c", "shared-id", "claim-6");
    expect((await hold("claim-d", "shared-id", "claim-7", fingerprintB)).heldMicroUsd).to.equal(
      110n,
    );
  });

  it("lets one request hold once per fallback model under its claim, and retry a hold internally", async () => {
    await fund("claim-e", 10_000n);
    await hold("claim-e", "r-fb", "claim-8");
    const fallback = {
      requestId: "claim-8-fb1",
      accountId: "claim-e",
      model: "claims-model",
      maxPromptTokens: 10,
      maxCompletionTokens: 100,
      clientRequestId: "r-fb",
      claimId: "claim-8",
      requestFingerprint: fingerprintA,
    };
    expect((await h().client.hold(fallback)).heldMicroUsd).to.equal(110n);
    // An internal retry of the same hold (same coordinator request id) holds nothing more.
    expect((await h().client.hold(fallback)).heldMicroUsd).to.equal(110n);
    expect(await available("claim-e")).to.equal(10_000n - 220n);
    await settle("claim-8-fb1", 5);
    expect(await h().client.hold(fallback).catch(refusalOf)).to.equal("completed");
  });

  it("never returns a settled hold as a new one, even without a consumer id", async () => {
    await fund("claim-f", 10_000n);
    const plain = {
      requestId: "internal-1",
      accountId: "claim-f",
      model: "claims-model",
      maxPromptTokens: 10,
      maxCompletionTokens: 100,
    };
    await h().client.hold(plain);
    await settle("internal-1", 3);
    expect(await h().client.hold(plain).catch(refusalOf)).to.equal("completed");
  });

  it("keeps the id usable when the hold is refused for the balance (the claim rolls back)", async () => {
    await fund("claim-g", 50n);
    expect(await hold("claim-g", "r-poor", "claim-9").catch(refusalOf)).to.equal("other");
    await fund("claim-g", 1_000n);
    expect((await hold("claim-g", "r-poor", "claim-10")).heldMicroUsd).to.equal(110n);
  });

  it("lets a retry of the same request take over an id whose request failed before any token", async () => {
    await fund("claim-i", 10_000n);
    const failed = `claim-11-hold${next}`;
    await hold("claim-i", "r-failed", "claim-11");
    // Nothing ran (no capacity before the first token): settled with no usage at all.
    await h().client.settle({ requestId: failed, providerAccountId: "" });
    expect(await hold("claim-i", "r-failed", "claim-12", fingerprintB).catch(refusalOf)).to.equal(
      "reused",
    );
    const retry = `claim-13-hold${next}`;
    expect((await hold("claim-i", "r-failed", "claim-13")).heldMicroUsd).to.equal(110n);
    // The retry now owns the id: the failed request's claim cannot come back.
    expect(await hold("claim-i", "r-failed", "claim-11").catch(refusalOf)).to.equal("in_progress");
    await settle(retry, 2);
    expect(await hold("claim-i", "r-failed", "claim-14").catch(refusalOf)).to.equal("completed");
    expect(await available("claim-i")).to.equal(10_000n - 12n);
  });

  it("refuses all but one of many concurrent requests racing on one id", async () => {
    await fund("claim-h", 100_000n);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        hold("claim-h", "race", `claim-race-${i}`).then(() => "held" as const, refusalOf),
      ),
    );
    expect(outcomes.filter((o) => o === "held")).to.have.length(1);
    expect(outcomes.filter((o) => o === "in_progress")).to.have.length(5);
    expect(await available("claim-h")).to.equal(100_000n - 110n);
  });
});
