import { sql } from "@darkbloom/db";
import {
  createLedgerService,
  ledgerMigrations,
  setPrice,
  sweepStuckHolds,
} from "@darkbloom/ledger";
import { LedgerService } from "@darkbloom/proto";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { expect } from "chai";
import { z } from "zod";
import { admitKeyRequest, type Admission, type KeyLimits } from "./key-limits.js";
import {
  releaseKeyReservation,
  reserveKeyBudget,
  settleKeyReservation,
} from "./key-limits-reservations.js";
import { authMigrations } from "./migrations.js";
import { createAccount, createApiKey } from "./service.js";
import { replicaPools } from "./testing/replica-pools.js";

describe("per-key in-flight reservations (TPM and budget count open requests' worst cases)", function () {
  this.timeout(60_000);
  const pools = replicaPools(10, [authMigrations, ledgerMigrations]);

  const keyWith = async (limits: KeyLimits): Promise<string> => {
    const [pool] = pools();
    const account = await createAccount(pool, "reserving", "consumer");
    return (await createApiKey(pool, account.id, "k", [], limits)).id;
  };
  const reservedMicroUsd = async (keyId: string): Promise<bigint> =>
    pools()[0].oneFirst(
      sql.type(z.object({ total: z.bigint() }))`
        SELECT coalesce(sum(micro_usd), 0)::int8 AS total FROM api_key_reservations WHERE key_id = ${keyId}`,
    );
  const burst = (keyId: string, tag: string, worst: { tokens: bigint; costMicroUsd: bigint }) => {
    const [a, b] = pools();
    return Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        reserveKeyBudget(i % 2 === 0 ? a : b, keyId, `${tag}-${i}`, worst).then(
          (admission): [string, Admission] => [`${tag}-${i}`, admission],
        ),
      ),
    );
  };

  it("admits exactly the concurrent requests whose worst cases fit the budget, across two replicas", async () => {
    const keyId = await keyWith({
      rpmLimit: null,
      tpmLimit: null,
      budgetMicroUsd: 1_000n,
      budgetPeriod: "day",
    });
    // 20 requests of worst case 150 race from two pools: 6 fit (900), a 7th would be 1,050.
    const results = await burst(keyId, "budget", { tokens: 10n, costMicroUsd: 150n });
    const admitted = results.filter(([, r]) => r.kind === "admitted").map(([id]) => id);
    expect(admitted).to.have.length(6);
    expect(await reservedMicroUsd(keyId)).to.equal(900n);
    const refused = results.find(([, r]) => r.kind !== "admitted")?.[1];
    expect(refused).to.deep.include({ kind: "budget_exceeded", budgetMicroUsd: 1_000n });
    // The early (pre-body) check also counts the in-flight worst cases.
    expect(await admitKeyRequest(pools()[1], keyId)).to.deep.equal({ kind: "admitted" });

    // Each settles with actual usage 40: spend 240, nothing reserved; 5 more worst cases fit.
    const [a, b] = pools();
    await Promise.all(
      admitted.map((id, i) =>
        settleKeyReservation(i % 2 === 0 ? a : b, keyId, id, { tokens: 4n, costMicroUsd: 40n }),
      ),
    );
    expect(await reservedMicroUsd(keyId)).to.equal(0n);
    const again = await burst(keyId, "after-settle", { tokens: 10n, costMicroUsd: 150n });
    expect(again.filter(([, r]) => r.kind === "admitted")).to.have.length(5);
    expect(await reservedMicroUsd(keyId)).to.equal(750n);
  });

  it("refuses by budget before the body when finished plus in-flight spend reaches it", async () => {
    const keyId = await keyWith({
      rpmLimit: null,
      tpmLimit: null,
      budgetMicroUsd: 300n,
      budgetPeriod: "month",
    });
    const [a, b] = pools();
    expect(
      await reserveKeyBudget(a, keyId, "early-1", { tokens: 1n, costMicroUsd: 300n }),
    ).to.deep.equal({
      kind: "admitted",
    });
    expect(await admitKeyRequest(b, keyId)).to.deep.equal({
      kind: "budget_exceeded",
      spentMicroUsd: 300n,
      budgetMicroUsd: 300n,
    });
    await releaseKeyReservation(b, "early-1");
    expect(await admitKeyRequest(a, keyId)).to.deep.equal({ kind: "admitted" });
  });

  it("admits exactly the concurrent requests whose worst-case tokens fit the TPM limit", async () => {
    const keyId = await keyWith({
      rpmLimit: null,
      tpmLimit: 1_000n,
      budgetMicroUsd: null,
      budgetPeriod: "month",
    });
    const results = await burst(keyId, "tpm", { tokens: 300n, costMicroUsd: 0n });
    expect(results.filter(([, r]) => r.kind === "admitted")).to.have.length(3);
    expect(results.find(([, r]) => r.kind !== "admitted")?.[1]).to.include({
      kind: "rate_limited",
      limit: "tpm",
    });
  });

  it("refuses a request larger than the whole TPM limit as too large even when the window is empty, and admits one exactly at the limit", async () => {
    const keyId = await keyWith({
      rpmLimit: null,
      tpmLimit: 100n,
      budgetMicroUsd: null,
      budgetPeriod: "month",
    });
    const [a, b] = pools();
    expect(
      await reserveKeyBudget(a, keyId, "big-1", { tokens: 101n, costMicroUsd: 0n }),
    ).to.deep.equal({
      kind: "too_large",
      tpmLimit: 100n,
      requestedTokens: 101n,
    });
    expect(await reservedMicroUsd(keyId)).to.equal(0n);
    expect(
      await reserveKeyBudget(b, keyId, "fits-1", { tokens: 100n, costMicroUsd: 0n }),
    ).to.deep.equal({
      kind: "admitted",
    });
  });

  it("releases the reservation of a request whose hold is swept", async () => {
    const [pool] = pools();
    const account = await createAccount(pool, "swept", "consumer");
    const keyId = (
      await createApiKey(pool, account.id, "k", [], {
        rpmLimit: null,
        tpmLimit: null,
        budgetMicroUsd: 5_000n,
        budgetPeriod: "day",
      })
    ).id;
    const ledger = createClient(
      LedgerService,
      createRouterTransport(({ service }) => {
        service(LedgerService, createLedgerService(pool, { referralSharePercent: 0 }));
      }),
    );
    await setPrice(pool, "reserve-model", {
      inputMicroUsdPerMillion: 1_000_000n,
      outputMicroUsdPerMillion: 3_000_000n,
    });
    await ledger.credit({
      accountId: account.id,
      amountMicroUsd: 10_000n,
      reason: "deposit",
      idempotencyKey: `fund-${account.id}`,
    });
    // Worst case 100 × 1 + 1,000 × 3 = 3,100: a second one would not fit the 5,000 budget.
    const worst = { tokens: 1_100n, costMicroUsd: 3_100n };
    expect(await reserveKeyBudget(pool, keyId, "stuck-r1", worst)).to.deep.equal({
      kind: "admitted",
    });
    await ledger.hold({
      requestId: "stuck-r1",
      accountId: account.id,
      model: "reserve-model",
      maxPromptTokens: 100,
      maxCompletionTokens: 1_000,
    });
    expect(await reserveKeyBudget(pool, keyId, "stuck-r2", worst)).to.include({
      kind: "budget_exceeded",
    });
    const swept = await sweepStuckHolds(pool, {
      olderThanMs: 0,
      maxPerSweep: 100,
      onHoldSwept: releaseKeyReservation,
    });
    expect(swept).to.be.at.least(1);
    expect(await reservedMicroUsd(keyId)).to.equal(0n);
    expect(await reserveKeyBudget(pool, keyId, "stuck-r2", worst)).to.deep.equal({
      kind: "admitted",
    });
  });
});
