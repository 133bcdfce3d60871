// A key verified as having no limits skips the per-key admission and reservation (request-money.ts);
// a limit set on it afterwards reaches every replica's key cache like a revocation (LISTEN/NOTIFY),
// and the replica that remembered the key as unlimited enforces it from then on.
import { expect } from "chai";
import { sql } from "@darkbloom/db";
import { FakeProvider } from "@darkbloom/testing";
import { z } from "zod";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { providersOn } from "../testbed/replicas.js";
import { waitUntil } from "../testbed/wait-until.js";

const MODEL = "limits-model";

async function chat(base: string, key: string) {
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 4,
    }),
  });
  const json = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, code: json.error?.code };
}

describe("per-key limits with keys verified from memory, across replicas", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  let fake: FakeProvider | undefined;
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({ coordinators: 2, users: 1 });
  });
  after(async () => {
    await fake?.close();
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("a limit set on a key remembered as unlimited is enforced by the other replica", async () => {
    if (!cluster) throw new Error("the cluster did not start");
    const [a, b] = cluster.coordinators;
    const user = cluster.users[0];
    if (!a || !b || !user) throw new Error("two coordinators and a user expected");
    fake = new FakeProvider({ url: providerSocketUrl(b.url), models: [MODEL] });
    await fake.connect();
    await waitUntil("the fake registered", async () => (await providersOn(b)) === 1);

    // unlimited: any number of requests, remembered as such by replica b
    for (let i = 0; i < 3; i++) expect((await chat(b.url, user.apiKey)).status).to.equal(200);

    const db = cluster.postgres.pool;
    const keyId = await db.oneFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id::text FROM api_keys WHERE account_id = ${user.accountId} AND revoked_at IS NULL
      ORDER BY created_at LIMIT 1`);
    await db.query(sql.unsafe`UPDATE api_keys SET rpm_limit = 1 WHERE id = ${keyId}`);

    await waitUntil("replica b refuses the second request of the minute", async () => {
      const answer = await chat(b.url, user.apiKey);
      return answer.status === 429 && answer.code === "rate_limit_requests";
    });
    const again = await chat(b.url, user.apiKey);
    expect(again.status).to.equal(429);
    const audit = await auditLedgerWhenSettled(db);
    expect(audit).to.deep.include(CLEAN_LEDGER);
  });
});
