import { expect } from "chai";
import { sql } from "@darkbloom/db";
import { FakeProvider } from "@darkbloom/testing";
import { z } from "zod";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import {
  auditLedgerWhenSettled,
  balanceOf,
  CLEAN_LEDGER,
  ledgerHealth,
  settlementsOf,
  waitForSettled,
} from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { providersOn, startReplicas, type Replicas } from "../testbed/replicas.js";
import { waitUntil } from "../testbed/wait-until.js";
import type { RunningCoordinator } from "../testbed/testbed.js";

const MODEL = "lease-default-model";
const CREDIT = 10_000_000n;
const PIECES = 40;
const holdRows = z.object({ n: z.bigint() });

/**
 * Credit leases are on by default (docs/money.md): a coordinator started without any lease
 * setting holds a request without an x-request-id in memory (no hold row while it runs), and the
 * testbed's ledger helpers still see it as open until it settles — `waitForSettled` waits for
 * it, the audit counts the lease — then find its settlement and a clean ledger once the idle
 * lease went back to the wallet.
 */
describe("credit leases on by default: the ledger audit sees leased holds", function () {
  this.timeout(180_000);
  let net: Replicas | undefined;
  const fakes: FakeProvider[] = [];
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    net = await startReplicas(1, { users: 1, creditMicroUsd: CREDIT });
  });
  after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await net?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("a running leased request is open for waitForSettled and the audit, settled and clean after", async () => {
    if (!net) throw new Error("the coordinator did not start");
    const db = net.postgres.pool;
    const user = net.users[0];
    if (!user) throw new Error("no user");
    const coordinator = net.coordinators[0] as RunningCoordinator;
    // a stream of ~8 s: long enough to look at the ledger while it runs
    const fake = new FakeProvider({
      url: providerSocketUrl(coordinator.url),
      models: [MODEL],
      reply: () => ({
        pieces: Array.from({ length: PIECES }, (_, i) => `p${i} `),
        pieceDelayMs: 200,
      }),
    });
    fakes.push(fake);
    await fake.connect();
    await waitUntil("the fake registered", async () => (await providersOn(coordinator)) === 1);

    const response = await fetch(`${coordinator.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: "user", content: "hello" }],
        max_tokens: 64,
        stream: true,
      }),
    });
    expect(response.status).to.equal(200);
    const requestId = response.headers.get("x-request-id") ?? "";
    expect(requestId, "the coordinator generated the request id").to.not.equal("");
    const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
    if (!reader) throw new Error("no body");
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);

    // running: held against the coordinator's lease, nothing in ledger_holds
    const rows = await db.oneFirst(sql.type(holdRows)`
      SELECT count(*) AS n FROM ledger_holds WHERE consumer_id = ${user.accountId}`);
    expect(rows, "no hold row while the leased request runs").to.equal(0n);
    const health = await ledgerHealth(db);
    expect(health.openLeases, "the lease is open").to.have.length(1);
    expect(await waitForSettled(db, [requestId], 300), "still open while it runs").to.deep.equal([
      requestId,
    ]);

    for (let r = await reader.read(); !r.done; r = await reader.read())
      text += decoder.decode(r.value, { stream: true });
    expect(text).to.include(`p${PIECES - 1} `);
    expect(await waitForSettled(db, [requestId]), "settled").to.deep.equal([]);
    const settled = (await settlementsOf(db, [requestId])).get(requestId);
    expect(settled?.completion_tokens, "settled with its usage").to.equal(BigInt(PIECES));
    const audit = await auditLedgerWhenSettled(db);
    expect(audit).to.deep.include(CLEAN_LEDGER);
    expect(await balanceOf(db, `consumer:${user.accountId}`)).to.equal(
      CREDIT - (settled?.charged_micro_usd ?? 0n),
    );
  });
});
