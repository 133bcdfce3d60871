import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Client,
} from "@connectrpc/connect";
import { sql } from "@darkbloom/db";
import { KeyLimitsService, KeyRateLimit } from "@darkbloom/proto";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { z } from "zod";
import { NO_LIMITS } from "./api-keys.js";
import type { KeyLimits } from "./key-limits.js";
import { createKeyLimitsService } from "./key-limits-service.js";
import { authMigrations } from "./migrations.js";
import { createAccount, createApiKey } from "./service.js";

// The same calling code the edge's money sequence uses, over the in-process router transport.
describe("KeyLimitsService", function () {
  this.timeout(60_000);
  let db: TestDatabase | undefined;
  let client: Client<typeof KeyLimitsService>;
  const pool = () => {
    if (db === undefined) throw new Error("before hook did not run");
    return db.pool;
  };
  before(async () => {
    db = await startTestDatabase({ migrations: [authMigrations] });
    const service = createKeyLimitsService(db.pool);
    client = createClient(
      KeyLimitsService,
      createRouterTransport((router) => router.service(KeyLimitsService, service)),
    );
  });
  after(async () => {
    await db?.stop();
  });

  const keyWith = async (limits: Partial<KeyLimits>): Promise<string> => {
    const account = await createAccount(pool(), "limited", "consumer");
    return (await createApiKey(pool(), account.id, "k", [], { ...NO_LIMITS, ...limits })).id;
  };
  const reserved = (keyId: string) =>
    pool().oneFirst(sql.type(z.object({ n: z.bigint() }))`
      SELECT coalesce(sum(micro_usd), 0)::int8 AS n FROM api_key_reservations WHERE key_id = ${keyId}`);

  it("admits a key without limits, and a principal that is not an API key", async () => {
    const keyId = await keyWith({});
    expect((await client.admitKey({ keyId })).admission?.outcome.case).to.equal("admitted");
    expect((await client.admitKey({ keyId: "session:abc" })).admission?.outcome.case).to.equal(
      "admitted",
    );
  });

  it("says which limit refuses: RPM with its Retry-After, a request over the whole TPM, the budget", async () => {
    const rpm = await keyWith({ rpmLimit: 1 });
    await client.admitKey({ keyId: rpm });
    const limited = (await client.admitKey({ keyId: rpm })).admission?.outcome;
    expect(limited?.case).to.equal("rateLimited");
    if (limited?.case !== "rateLimited") return;
    expect(limited.value.limit).to.equal(KeyRateLimit.REQUESTS);
    expect(limited.value.retryAfterSeconds).to.be.within(1, 60);

    const tpm = await keyWith({ tpmLimit: 5n });
    const tooLarge = (
      await client.reserveKey({ keyId: tpm, requestId: "r-tpm", tokens: 6n, costMicroUsd: 1n })
    ).admission?.outcome;
    expect(tooLarge).to.deep.include({ case: "tooLarge" });
    expect(tooLarge?.value).to.include({ tpmLimit: 5n, requestedTokens: 6n });

    const budget = await keyWith({ budgetMicroUsd: 10n });
    const over = (
      await client.reserveKey({ keyId: budget, requestId: "r-b", tokens: 1n, costMicroUsd: 11n })
    ).admission?.outcome;
    expect(over?.case).to.equal("budgetExceeded");
    expect(await reserved(budget)).to.equal(0n);
  });

  it("reserves the held amount, then settles it into spend, or releases it", async () => {
    const keyId = await keyWith({ budgetMicroUsd: 100n });
    const held = await client.reserveKey({
      keyId,
      requestId: "r1",
      tokens: 10n,
      costMicroUsd: 60n,
    });
    expect(held.admission?.outcome.case).to.equal("admitted");
    expect(await reserved(keyId)).to.equal(60n);
    // 60 reserved + 60 more > 100: the in-flight worst case counts.
    const second = await client.reserveKey({
      keyId,
      requestId: "r2",
      tokens: 10n,
      costMicroUsd: 60n,
    });
    expect(second.admission?.outcome.case).to.equal("budgetExceeded");
    await client.settleKey({ keyId, requestId: "r1", tokens: 4n, costMicroUsd: 20n });
    expect(await reserved(keyId)).to.equal(0n);
    // 20 spent: 60 more fits now.
    const third = await client.reserveKey({
      keyId,
      requestId: "r3",
      tokens: 10n,
      costMicroUsd: 60n,
    });
    expect(third.admission?.outcome.case).to.equal("admitted");
    await client.releaseKey({ requestId: "r3" });
    expect(await reserved(keyId)).to.equal(0n);
  });

  it("refuses a negative charge to settle (InvalidArgument) and leaves the reservation", async () => {
    const keyId = await keyWith({ budgetMicroUsd: 100n });
    await client.reserveKey({ keyId, requestId: "neg", tokens: 1n, costMicroUsd: 50n });
    const error: unknown = await client
      .settleKey({ keyId, requestId: "neg", tokens: 1n, costMicroUsd: -40n })
      .catch((e: unknown) => e);
    expect(ConnectError.from(error).code).to.equal(Code.InvalidArgument);
    expect(await reserved(keyId)).to.equal(50n);
  });
});
