import { sql } from "@darkbloom/db";
import { expect } from "chai";
import { z } from "zod";
import { NO_LIMITS } from "./api-keys.js";
import { reserveKeyBudget } from "./key-limits-reservations.js";
import { keyUsageQueue } from "./key-usage-queue.js";
import { createAccount, createApiKey } from "./service.js";
import { replicaPools } from "./testing/replica-pools.js";

describe("keyUsageQueue (group commit of settled key usage)", function () {
  this.timeout(60_000);
  const pools = replicaPools(5);

  const newKey = async (budgetMicroUsd: bigint | null = null): Promise<string> => {
    const [pool] = pools();
    const account = await createAccount(pool, "batched", "consumer");
    return (await createApiKey(pool, account.id, "k", [], { ...NO_LIMITS, budgetMicroUsd })).id;
  };
  const totals = async (keyId: string) =>
    pools()[1].one(sql.type(
      z.object({ spent: z.bigint(), tokens: z.bigint(), reserved: z.bigint() }),
    )`
      SELECT
        coalesce((SELECT sum(spent_micro_usd) FROM api_key_spend WHERE key_id = ${keyId}), 0)::int8 AS spent,
        coalesce((SELECT sum(tokens) FROM api_key_rate_seconds WHERE key_id = ${keyId}), 0)::int8 AS tokens,
        (SELECT count(*) FROM api_key_reservations WHERE key_id = ${keyId})::int8 AS reserved`);

  it("writes usages arriving during a batch as the next batch, replacing each reservation by its usage", async () => {
    const [pool] = pools();
    const keyId = await newKey(1_000_000n);
    for (let i = 0; i < 6; i++) {
      const admission = await reserveKeyBudget(pool, keyId, `grouped-${i}`, {
        tokens: 50n,
        costMicroUsd: 500n,
      });
      expect(admission.kind).to.equal("admitted");
    }
    const batches: number[] = [];
    const queue = keyUsageQueue(pool, { maxBatch: 100, onBatch: (n) => batches.push(n) });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        queue.write({ keyId, requestId: `grouped-${i}`, tokens: 10n, costMicroUsd: 100n }),
      ),
    );
    // The first starts a batch at once; the five queued meanwhile share the next one.
    expect(batches).to.deep.equal([1, 5]);
    expect(await totals(keyId)).to.deep.equal({ spent: 600n, tokens: 60n, reserved: 0n });
  });

  it("acknowledges a usage only once it has committed: another connection sees it", async () => {
    const [pool] = pools();
    const keyId = await newKey();
    const queue = keyUsageQueue(pool, { maxBatch: 100 });
    await queue.write({ keyId, requestId: "seen-1", tokens: 3n, costMicroUsd: 30n });
    expect(await totals(keyId)).to.deep.equal({ spent: 30n, tokens: 3n, reserved: 0n });
  });

  it("falls back to one by one when a batch fails: only the usage Postgres refuses fails", async () => {
    const [pool] = pools();
    const keyId = await newKey();
    const batches: number[] = [];
    const queue = keyUsageQueue(pool, { maxBatch: 100, onBatch: (n) => batches.push(n) });
    const first = queue.write({ keyId, requestId: "ok-0", tokens: 1n, costMicroUsd: 10n });
    // Queued while the first is written: one batch, with a token count int8 cannot hold.
    const results = await Promise.allSettled([
      queue.write({ keyId, requestId: "ok-1", tokens: 1n, costMicroUsd: 10n }),
      queue.write({ keyId, requestId: "bad", tokens: 2n ** 64n - 1n, costMicroUsd: 10n }),
      queue.write({ keyId, requestId: "ok-2", tokens: 1n, costMicroUsd: 10n }),
      queue.write({ keyId, requestId: "ok-3", tokens: 1n, costMicroUsd: 10n }),
    ]);
    await first;
    expect(results.map((r) => r.status)).to.deep.equal([
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    expect(batches).to.deep.equal([1, 4]);
    expect(await totals(keyId)).to.deep.equal({ spent: 40n, tokens: 4n, reserved: 0n });
  });

  it("records every usage exactly once when two replicas batch the same keys in any order", async () => {
    const [a, b] = pools();
    const keys = [await newKey(), await newKey(), await newKey()];
    const queues = [keyUsageQueue(a, { maxBatch: 7 }), keyUsageQueue(b, { maxBatch: 7 })];
    const settled = Array.from({ length: 90 }, (_, i) => {
      const queue = queues[i % 2];
      // Each replica's batches hold the three keys in a different order.
      const keyId = keys[(i % 2 === 0 ? i : 89 - i) % 3];
      if (queue === undefined || keyId === undefined) throw new Error("no queue or key");
      return queue.write({ keyId, requestId: `race-${i}`, tokens: 1n, costMicroUsd: 7n });
    });
    await Promise.all(settled);
    for (const keyId of keys) {
      expect(await totals(keyId)).to.deep.equal({ spent: 210n, tokens: 30n, reserved: 0n });
    }
  });
});
