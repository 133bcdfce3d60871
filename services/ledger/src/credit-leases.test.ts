import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { expect } from "chai";
import { sql } from "@darkbloom/db";
import { LedgerService } from "@darkbloom/proto";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { z } from "zod";
import { CreditLeases, type CreditLeaseOptions } from "./credit-leases.js";
import { isInsufficientBalance } from "./ledger-errors.js";
import { ledgerMigrations } from "./migrations.js";
import { setPrice } from "./prices.js";
import { createLedgerService } from "./service.js";

type Replica = { leases: CreditLeases; client: Client<typeof LedgerService> };

const count = z.object({ n: z.bigint() });
const balance = z.object({ balance_micro_usd: z.bigint() });

describe("credit leases (holds against a replica's lease, in memory)", function () {
  this.timeout(60_000);
  let db: TestDatabase | undefined;
  const replicas: CreditLeases[] = [];
  const pool = () => {
    if (db === undefined) throw new Error("before hook did not run");
    return db.pool;
  };

  const replica = (replicaId: string, options: Partial<CreditLeaseOptions> = {}): Replica => {
    const leases = new CreditLeases(pool(), {
      replicaId,
      leaseMicroUsd: 10_000n,
      ttlMs: 60_000,
      idleReturnMs: 60_000,
      priceCacheMs: 60_000,
      staleHoldMs: 3_600_000,
      onError: (err) => {
        throw err;
      },
      ...options,
    });
    replicas.push(leases);
    const transport = createRouterTransport(({ service }) =>
      service(LedgerService, createLedgerService(pool(), { referralSharePercent: 0, leases })),
    );
    return { leases, client: createClient(LedgerService, transport) };
  };
  const accountBalance = async (account: string): Promise<bigint> =>
    (
      await pool().maybeOne(
        sql.type(balance)`SELECT balance_micro_usd FROM ledger_accounts WHERE id = ${account}`,
      )
    )?.balance_micro_usd ?? 0n;
  const credit = (client: Client<typeof LedgerService>, accountId: string, amount: bigint) =>
    client.credit({ accountId, amountMicroUsd: amount, reason: "test", idempotencyKey: accountId });
  /** Zero-sum, no drift, nobody below zero, no hold left open. */
  const expectCleanLedger = async (): Promise<void> => {
    const row = await pool().one(sql.type(
      z.object({ total: z.bigint(), drifted: z.bigint(), negative: z.bigint(), open: z.bigint() }),
    )`
      SELECT
        (SELECT coalesce(sum(amount_micro_usd), 0)::bigint FROM ledger_entries) AS total,
        (SELECT count(*) FROM ledger_accounts a WHERE a.balance_micro_usd <> (
           SELECT coalesce(sum(e.amount_micro_usd), 0) FROM ledger_entries e WHERE e.account = a.id
         ))::bigint AS drifted,
        (SELECT count(*) FROM ledger_accounts WHERE NOT allow_negative AND balance_micro_usd < 0)::bigint AS negative,
        (SELECT count(*) FROM ledger_holds h WHERE NOT EXISTS (
           SELECT 1 FROM ledger_settlements s WHERE s.request_id = h.request_id))::bigint AS open`);
    expect(row).to.deep.equal({ total: 0n, drifted: 0n, negative: 0n, open: 0n });
  };
  // 1,000 micro-USD per million tokens each way: a hold of 1,000 + 1,000 tokens is 2 micro-USD.
  const hold = (client: Client<typeof LedgerService>, requestId: string, accountId: string) =>
    client.hold({
      requestId,
      accountId,
      model: "lease-model",
      maxPromptTokens: 1_000_000,
      maxCompletionTokens: 1_000_000,
    });

  before(async () => {
    db = await startTestDatabase({ migrations: [ledgerMigrations], maximumPoolSize: 20 });
    await setPrice(db.pool, "lease-model", {
      inputMicroUsdPerMillion: 500n,
      outputMicroUsdPerMillion: 500n,
    });
  });
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((leases) => leases.close()));
  });
  after(async () => {
    await db?.stop();
  });

  it("takes the lease in one ledger transaction and places many holds against it without writing", async () => {
    const a = replica("a", { leaseMicroUsd: 60_000n });
    await credit(a.client, "many", 200_000n);
    const holds = await Promise.all(
      Array.from({ length: 50 }, (_, i) => hold(a.client, `many-${i}`, "many")),
    );
    expect(holds.every((h) => h.heldMicroUsd === 1_000n)).to.equal(true);
    const leaseTransactions = await pool().oneFirst(sql.type(count)`
      SELECT count(*) AS n FROM ledger_transactions WHERE kind = 'lease' AND reference = 'many@a'`);
    expect(leaseTransactions, "one lease transaction for 50 holds").to.equal(1n);
    // the first hold's need (1,000) plus the lease size (60,000): all 50 fit
    expect(await accountBalance("lease:many@a")).to.equal(61_000n);
    const rows = await pool().oneFirst(sql.type(count)`
      SELECT count(*) AS n FROM ledger_holds WHERE consumer_id = 'many'`);
    expect(rows, "no hold written before its settlement").to.equal(0n);
    expect(a.leases.openHolds).to.equal(50);

    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        a.client.settle({
          requestId: `many-${i}`,
          providerAccountId: "p",
          usage: { promptTokens: 400_000, completionTokens: 600_000 },
        }),
      ),
    );
    // 500 micro-USD charged each: 25,000 in all; the rest stays leased until returned
    expect(await accountBalance("provider:p")).to.equal(50n * 475n);
    expect(
      (await accountBalance("consumer:many")) + (await accountBalance("lease:many@a")),
    ).to.equal(200_000n - 25_000n);
    const balanceView = await a.client.getBalance({ accountId: "many" });
    expect(balanceView.balanceMicroUsd, "GetBalance counts the leased credit").to.equal(175_000n);
    const usage = await pool().oneFirst(sql.type(count)`
      SELECT count(*) AS n FROM ledger_holds h JOIN ledger_settlements s USING (request_id)
      WHERE h.consumer_id = 'many' AND h.lease_id = 'many@a'`);
    expect(usage, "each leased hold is recorded with its settlement").to.equal(50n);

    await a.leases.close();
    expect(await accountBalance("lease:many@a"), "closing returns the lease").to.equal(0n);
    expect(await accountBalance("consumer:many")).to.equal(175_000n);
    await expectCleanLedger();
  });

  it("an internal retry of an open hold holds once; a settle replay charges once", async () => {
    const a = replica("a");
    await credit(a.client, "retry", 10_000n);
    const [first, second] = await Promise.all([
      hold(a.client, "retry-1", "retry"),
      hold(a.client, "retry-1", "retry"),
    ]);
    expect(first?.heldMicroUsd).to.equal(1_000n);
    expect(second?.heldMicroUsd).to.equal(1_000n);
    expect(a.leases.openHolds).to.equal(1);
    const settle = () =>
      a.client.settle({
        requestId: "retry-1",
        providerAccountId: "p",
        usage: { promptTokens: 1_000_000, completionTokens: 0 },
      });
    const once = await settle();
    const replay = await settle();
    expect(replay.chargedMicroUsd).to.equal(once.chargedMicroUsd);
    await a.leases.close();
    expect(await accountBalance("consumer:retry")).to.equal(10_000n - 500n);
    await expectCleanLedger();
  });

  it("refuses with insufficient balance when the lease and the wallet cannot cover the hold", async () => {
    const a = replica("a");
    await credit(a.client, "poor", 2_500n);
    await hold(a.client, "poor-1", "poor");
    await hold(a.client, "poor-2", "poor");
    const refused = await hold(a.client, "poor-3", "poor").then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isInsufficientBalance(refused), String(refused)).to.equal(true);
    for (const id of ["poor-1", "poor-2"])
      await a.client.settle({
        requestId: id,
        providerAccountId: "",
        usage: { promptTokens: 0, completionTokens: 0 },
      });
    // both released: the next hold fits in the lease again
    expect((await hold(a.client, "poor-4", "poor")).heldMicroUsd).to.equal(1_000n);
    await a.client.settle({ requestId: "poor-4", providerAccountId: "", usage: {} });
    await a.leases.close();
    expect(await accountBalance("consumer:poor")).to.equal(2_500n);
    await expectCleanLedger();
  });

  it("two replicas leasing from one account never hold or charge more than its balance", async () => {
    const a = replica("a", { leaseMicroUsd: 7_000n });
    const b = replica("b", { leaseMicroUsd: 7_000n });
    await credit(a.client, "shared", 20_000n);
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const on = i % 2 === 0 ? a : b;
        try {
          await hold(on.client, `shared-${i}`, "shared");
        } catch (err) {
          if (isInsufficientBalance(err)) return 0n;
          throw err;
        }
        const settled = await on.client.settle({
          requestId: `shared-${i}`,
          providerAccountId: "p2",
          usage: { promptTokens: 1_000_000, completionTokens: 1_000_000 },
        });
        return settled.chargedMicroUsd;
      }),
    );
    const charged = outcomes.reduce((sum, c) => sum + c, 0n);
    expect(charged <= 20_000n, `charged ${charged} of a 20,000 balance`).to.equal(true);
    expect(charged > 0n).to.equal(true);
    await Promise.all([a.leases.close(), b.leases.close()]);
    expect(await accountBalance("consumer:shared")).to.equal(20_000n - charged);
    await expectCleanLedger();
  });

  it("a replica leases at most half of a small wallet beyond its need: the consumer's other replica still holds", async () => {
    const a = replica("a", { leaseMicroUsd: 1_000_000n });
    const b = replica("b", { leaseMicroUsd: 1_000_000n });
    await credit(a.client, "small", 10_000n);
    await hold(a.client, "small-a", "small");
    // the need (1,000) and half of the 9,000 beyond it; not the whole wallet
    expect(await accountBalance("lease:small@a")).to.equal(5_500n);
    expect((await hold(b.client, "small-b", "small")).heldMicroUsd).to.equal(1_000n);
    expect(await accountBalance("lease:small@b")).to.equal(1_000n + 1_750n);
    for (const [on, id] of [
      [a, "small-a"],
      [b, "small-b"],
    ] as const)
      await on.client.settle({ requestId: id, providerAccountId: "p3", usage: {} });
    await Promise.all([a.leases.close(), b.leases.close()]);
    expect(await accountBalance("consumer:small")).to.equal(10_000n);
    await expectCleanLedger();
  });

  it("a price set through any replica reaches every replica's holds when it commits, not after the cache's 60 s", async () => {
    if (db === undefined) throw new Error("before hook did not run");
    const url = db.url;
    const a = replica("price-a", { databaseUrl: url });
    const b = replica("price-b", { databaseUrl: url });
    await Promise.all([a.leases.start(), b.leases.start()]);
    await credit(a.client, "pricey", 100_000n);
    expect((await hold(b.client, "pricey-1", "pricey")).heldMicroUsd).to.equal(1_000n);
    try {
      // as an admin's SetPrice on replica a does (the trigger notifies whoever writes the row)
      await setPrice(pool(), "lease-model", {
        inputMicroUsdPerMillion: 1_000n,
        outputMicroUsdPerMillion: 1_000n,
      });
      const until = Date.now() + 5_000;
      while ((await b.leases.prices.get("lease-model")).inputMicroUsdPerMillion !== 1_000n) {
        if (Date.now() > until) throw new Error("replica b still holds at the old price");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await hold(b.client, "pricey-2", "pricey")).heldMicroUsd).to.equal(2_000n);
    } finally {
      await setPrice(pool(), "lease-model", {
        inputMicroUsdPerMillion: 500n,
        outputMicroUsdPerMillion: 500n,
      });
    }
    for (const id of ["pricey-1", "pricey-2"])
      await b.client.settle({ requestId: id, usage: { promptTokens: 0, completionTokens: 0 } });
  });

  it("pushes a live lease's expiry out once a third of its TTL has passed, not at every tick", async () => {
    const a = replica("a", { ttlMs: 3_000 });
    await credit(a.client, "renewed", 50_000n);
    await hold(a.client, "renewed-1", "renewed");
    const expiresAt = () =>
      pool().oneFirst(sql.type(z.object({ at: z.string() }))`
        SELECT expires_at::text AS at FROM ledger_leases WHERE id = 'renewed@a'`);
    const funded = await expiresAt();
    await a.leases.tickNow();
    expect(await expiresAt(), "just funded: not renewed yet").to.equal(funded);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await a.leases.tickNow();
    const renewed = await expiresAt();
    expect(renewed > funded, "renewed once a third of the TTL passed").to.equal(true);
    await a.leases.tickNow();
    expect(await expiresAt(), "and not again at the next tick").to.equal(renewed);
    await a.client.settle({ requestId: "renewed-1", providerAccountId: "", usage: {} });
    await a.leases.close();
    await expectCleanLedger();
  });

  it("a dead replica's expired lease is returned by another's sweep; its late settlement charges nothing", async () => {
    // a: never started (no renewal): it stands for a replica that died holding a lease
    const a = replica("a", { ttlMs: 200 });
    const b = replica("b", { ttlMs: 200 });
    await credit(a.client, "orphan", 50_000n);
    await hold(a.client, "orphan-1", "orphan");
    expect(await accountBalance("consumer:orphan")).to.equal(50_000n - 11_000n);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await b.leases.tickNow();
    expect(await accountBalance("lease:orphan@a"), "swept back").to.equal(0n);
    expect(await accountBalance("consumer:orphan")).to.equal(50_000n);
    const late = await a.client.settle({
      requestId: "orphan-1",
      providerAccountId: "p",
      usage: { promptTokens: 1_000_000, completionTokens: 0 },
    });
    expect(late.chargedMicroUsd, "the lease it was held against is gone").to.equal(0n);
    // the replica starts a new lease at the next hold
    await hold(a.client, "orphan-2", "orphan");
    await a.client.settle({ requestId: "orphan-2", providerAccountId: "", usage: {} });
    await a.leases.close();
    expect(await accountBalance("consumer:orphan")).to.equal(50_000n);
    await expectCleanLedger();
  });
});
