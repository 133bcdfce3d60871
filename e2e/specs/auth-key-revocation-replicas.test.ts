// Every coordinator verifies API keys from memory; a revocation through one replica must reach
// the others (Postgres LISTEN/NOTIFY) within 1 s.
import { expect } from "chai";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { processLeakCheck } from "../testbed/process-audit.js";

const REVOCATION_BOUND_MS = 1_000;

async function call(base: string, key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("API key revocation across coordinator replicas", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({ coordinators: 2, users: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("a key used on both replicas and revoked through one is refused by the other within 1 s", async () => {
    const [a, b] = (cluster?.coordinators ?? []).map((c) => c.url);
    const owner = cluster?.users[0]?.apiKey ?? "";
    if (a === undefined || b === undefined) throw new Error("two coordinators expected");
    const created = await call(a, owner, "POST", "/v1/keys", {
      name: "replicated",
      scopes: ["account:read"],
    });
    expect(created.status).to.equal(201);
    const key = String(created.json.key);
    // Used (and so remembered) on both replicas, more than once.
    for (const base of [a, b, a, b]) {
      expect((await call(base, key, "GET", "/v1/me")).status).to.equal(200);
    }

    const revoked = await call(a, owner, "DELETE", `/v1/keys/${String(created.json.id)}`);
    expect(revoked.status).to.equal(200);
    const deadline = Date.now() + REVOCATION_BOUND_MS;
    let last = 200;
    while (last !== 401 && Date.now() <= deadline) {
      last = (await call(b, key, "GET", "/v1/me")).status;
    }
    expect(last, "the other replica still accepted the key 1 s after its revocation").to.equal(401);
    const refused = await call(b, key, "GET", "/v1/me");
    expect(refused.status).to.equal(401);
    expect((refused.json.error as { code?: string }).code).to.equal("invalid_api_key");
    expect((await call(a, key, "GET", "/v1/me")).status).to.equal(401);
    // The owner's own key is untouched on both.
    for (const base of [a, b])
      expect((await call(base, owner, "GET", "/v1/me")).status).to.equal(200);
  });
});
