import { sql } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { z } from "zod";
import {
  pruneKeyReservations,
  reserveKeyBudget,
  touchKeyReservations,
} from "./key-limits-reservations.js";
import { admitKeyRequest } from "./key-limits.js";
import { migrateAuth } from "./migrations.js";
import { createAccount, createApiKey } from "./service.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("abandoned key reservations (the request died before its hold or its settlement)", function () {
  this.timeout(60_000);
  let db: TestDatabase | undefined;
  const pool = () => {
    if (db === undefined) throw new Error("before hook did not run");
    return db.pool;
  };
  before(async () => {
    db = await startTestDatabase({ migrations: [] });
    await migrateAuth(pool());
  });
  after(async () => {
    await db?.stop();
  });

  const reservations = async (keyId: string): Promise<readonly string[]> =>
    pool().anyFirst(sql.type(z.object({ request_id: z.string() }))`
      SELECT request_id FROM api_key_reservations WHERE key_id = ${keyId} ORDER BY request_id`);

  it("gives the budget back once an abandoned reservation stops heartbeating, while a running request's reservation survives", async () => {
    const account = await createAccount(pool(), "abandoned", "consumer");
    const keyId = (
      await createApiKey(pool(), account.id, "k", [], {
        rpmLimit: null,
        tpmLimit: null,
        budgetMicroUsd: 5_000n,
        budgetPeriod: "day",
      })
    ).id;
    const worst = { tokens: 100n, costMicroUsd: 2_500n };
    // Two requests reserved; then the coordinator running "dead" was killed before its hold.
    expect(await reserveKeyBudget(pool(), keyId, "dead", worst)).to.deep.equal({
      kind: "admitted",
    });
    expect(await reserveKeyBudget(pool(), keyId, "alive", worst)).to.deep.equal({
      kind: "admitted",
    });
    expect(await admitKeyRequest(pool(), keyId)).to.include({ kind: "budget_exceeded" });

    await sleep(300);
    await touchKeyReservations(pool(), ["alive"]); // the live request's heartbeat
    expect(await pruneKeyReservations(pool(), 200)).to.equal(1);
    expect(await reservations(keyId)).to.deep.equal(["alive"]);
    expect(await reserveKeyBudget(pool(), keyId, "next", worst)).to.deep.equal({
      kind: "admitted",
    });
  });
});
