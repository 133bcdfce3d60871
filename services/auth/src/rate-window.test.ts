import { sql } from "@darkbloom/db";
import { expect } from "chai";
import { z } from "zod";
import { admitKeyRequest, type KeyLimits } from "./key-limits.js";
import { reserveKeyBudget, settleKeyReservation } from "./key-limits-reservations.js";
import { pruneRateWindows, secondsUntilFreed } from "./rate-window.js";
import { createAccount, createApiKey } from "./service.js";
import { replicaPools } from "./testing/replica-pools.js";

describe("sliding 60-second rate window (per-second rows in Postgres, shared by replicas)", function () {
  this.timeout(60_000);
  const pools = replicaPools(5);

  const keyWith = async (limits: Partial<KeyLimits>): Promise<string> => {
    const [pool] = pools();
    const account = await createAccount(pool, "windowed", "consumer");
    return (
      await createApiKey(pool, account.id, "k", [], {
        rpmLimit: null,
        tpmLimit: null,
        budgetMicroUsd: null,
        budgetPeriod: "month",
        ...limits,
      })
    ).id;
  };
  /** Usage a replica recorded `ageSeconds` ago (the row it would have written then). */
  const recordedAgo = async (keyId: string, ageSeconds: number, tokens: bigint, requests = 0) => {
    await pools()[1].query(sql.unsafe`
      INSERT INTO api_key_rate_seconds (key_id, second_start, requests, tokens)
      VALUES (${keyId}, date_trunc('second', now()) - make_interval(secs => ${ageSeconds}), ${requests}, ${tokens}::int8)`);
  };
  const rows = async (keyId: string): Promise<number> =>
    pools()[0].oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int4 AS n FROM api_key_rate_seconds WHERE key_id = ${keyId}`);

  it("counts tokens of the last 60 s only: usage from 70 s ago no longer counts, usage from 30 s ago does until it leaves", async () => {
    const keyId = await keyWith({ tpmLimit: 100n });
    await recordedAgo(keyId, 70, 90n);
    await recordedAgo(keyId, 30, 60n);
    const [a, b] = pools();
    expect(
      await reserveKeyBudget(a, keyId, "w-1", { tokens: 40n, costMicroUsd: 0n }),
    ).to.deep.equal({
      kind: "admitted",
    });
    const refused = await reserveKeyBudget(b, keyId, "w-2", { tokens: 10n, costMicroUsd: 0n });
    // 60 (30 s old) + 40 reserved + 10 > 100: freed when the 30-s-old second leaves the window.
    expect(refused).to.include({ kind: "rate_limited", limit: "tpm" });
    if (refused.kind === "rate_limited") expect(refused.retryAfterSeconds).to.be.within(29, 31);
  });

  it("counts RPM over the sliding window across two replicas and says when the oldest request leaves it", async () => {
    const keyId = await keyWith({ rpmLimit: 3 });
    await recordedAgo(keyId, 45, 0n, 2);
    const [a, b] = pools();
    expect(await admitKeyRequest(a, keyId)).to.deep.equal({ kind: "admitted" });
    const refused = await admitKeyRequest(b, keyId);
    expect(refused).to.include({ kind: "rate_limited", limit: "rpm" });
    if (refused.kind === "rate_limited") expect(refused.retryAfterSeconds).to.be.within(14, 16);
  });

  it("deletes a key's rows that left the window when it writes, and every key's with the prune", async () => {
    const writer = await keyWith({ tpmLimit: 1_000n });
    const idle = await keyWith({ tpmLimit: 1_000n });
    for (const keyId of [writer, idle]) {
      await recordedAgo(keyId, 61, 5n);
      await recordedAgo(keyId, 3_600, 5n);
    }
    await settleKeyReservation(pools()[0], writer, "finished-1", { tokens: 7n, costMicroUsd: 0n });
    expect(await rows(writer)).to.equal(1);
    expect(await rows(idle)).to.equal(2);
    expect(await pruneRateWindows(pools()[1])).to.be.at.least(2);
    expect(await rows(idle)).to.equal(0);
    expect(await rows(writer)).to.equal(1);
  });

  it("computes the wait until enough of the window is freed, or the whole window when it cannot be", () => {
    const buckets = [
      { ageSeconds: 50.2, requests: 1, tokens: 10n },
      { ageSeconds: 20.5, requests: 1, tokens: 30n },
    ];
    expect(secondsUntilFreed(buckets, (b) => b.tokens, 5n)).to.equal(10);
    expect(secondsUntilFreed(buckets, (b) => b.tokens, 40n)).to.equal(40);
    expect(secondsUntilFreed(buckets, (b) => b.tokens, 41n)).to.equal(60);
  });
});
