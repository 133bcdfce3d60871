import { expect } from "chai";
import OpenAI from "openai";
import { sql } from "@darkbloom/db";
import { FakeProvider } from "@darkbloom/testing";
import { z } from "zod";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { auditLedger, balanceOf, CLEAN_LEDGER, ledgerHealth } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { providersOn, startReplicas, type Replicas } from "../testbed/replicas.js";
import { waitUntil } from "../testbed/wait-until.js";
import type { RunningCoordinator } from "../testbed/testbed.js";

const MODEL = "lease-model";
const CREDIT = 10_000_000n;

/**
 * Two replicas with credit leases (docs/money.md). Requests without an x-request-id on one replica
 * are held against its lease of the consumer's credit (no hold row until they settle); `kill -9`
 * of that replica mid-stream leaves its lease in its lease account, and the survivor's sweep
 * returns it to the wallet once it expires: the consumer pays exactly what settled, the ledger
 * balances with no hold and no lease left.
 */
describe("credit leases: kill -9 of a replica holding a lease", function () {
  this.timeout(240_000);
  let net: Replicas | undefined;
  const fakes: FakeProvider[] = [];
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    net = await startReplicas(2, {
      users: 1,
      creditMicroUsd: CREDIT,
      env: {
        DARKBLOOM_CREDIT_LEASE_MICRO_USD: "1000000",
        DARKBLOOM_CREDIT_LEASE_TTL_MS: "1500",
        // only the kill returns the victim's lease (not idleness)
        DARKBLOOM_CREDIT_LEASE_IDLE_MS: "600000",
      },
    });
  });
  after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await net?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("the survivor returns the dead replica's lease; the consumer pays what settled, nothing more", async () => {
    if (!net) throw new Error("the replicas did not start");
    const db = net.postgres.pool;
    const user = net.users[0];
    if (!user) throw new Error("no user");
    const victim = net.coordinators[0] as RunningCoordinator;
    let slow = false;
    const fake = new FakeProvider({
      url: providerSocketUrl(victim.url),
      models: [MODEL],
      reply: () =>
        slow
          ? { pieces: Array.from({ length: 60 }, (_, i) => `s${i} `), pieceDelayMs: 200 }
          : { pieces: ["quick ", "reply"] },
    });
    fakes.push(fake);
    await fake.connect();
    await waitUntil("the fake registered", async () => (await providersOn(victim)) === 1);
    const client = new OpenAI({
      baseURL: `${victim.url}/v1`,
      apiKey: user.apiKey,
      maxRetries: 0,
      timeout: 60_000,
    });

    for (let i = 0; i < 3; i++) {
      const done = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: `quick ${i}` }],
        max_tokens: 8,
      });
      expect(done.choices[0]?.message.content).to.equal("quick reply");
    }
    const leased = z.object({ n: z.bigint() });
    await waitUntil(
      "the three requests settled against the lease",
      async () =>
        (await db.oneFirst(sql.type(leased)`
          SELECT count(*) AS n FROM ledger_holds h JOIN ledger_settlements s USING (request_id)
          WHERE h.consumer_id = ${user.accountId} AND h.lease_id IS NOT NULL`)) === 3n,
    );
    expect((await ledgerHealth(db)).openLeases).to.have.length(1);

    slow = true;
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "slow" }],
      max_tokens: 64,
      stream: true,
    });
    const it = stream[Symbol.asyncIterator]();
    let text = "";
    while (!text.includes("s2 ")) {
      const r = await it.next();
      if (r.done) break;
      text += r.value.choices[0]?.delta.content ?? "";
    }
    expect(text).to.match(/^s0 s1 s2 /);
    // the running request's hold lives in the victim's memory only
    expect((await ledgerHealth(db)).openHolds).to.deep.equal([]);

    const rest = (async () => {
      try {
        for (let r = await it.next(); r.done !== true; r = await it.next());
      } catch {
        // the stream breaks with its edge
      }
    })();
    await victim.process.kill();
    await rest;

    await waitUntil(
      "the survivor returned the dead replica's lease",
      async () => (await ledgerHealth(db)).openLeases.length === 0,
      30_000,
    );
    const charged = await db.oneFirst(sql.type(z.object({ charged: z.bigint() }))`
      SELECT coalesce(sum(s.charged_micro_usd), 0)::bigint AS charged
      FROM ledger_settlements s JOIN ledger_holds h USING (request_id)
      WHERE h.consumer_id = ${user.accountId}`);
    expect(charged > 0n, "the three settled requests were charged").to.equal(true);
    expect(await balanceOf(db, `consumer:${user.accountId}`)).to.equal(CREDIT - charged);
    const audit = await auditLedger(db);
    expect(audit).to.deep.include(CLEAN_LEDGER);
  });
});
