import { expect } from "chai";
import { sql } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { ApiKeyCache } from "./api-key-cache.js";
import { hashApiKey } from "./api-key-format.js";
import { ApiKeyVerifier } from "./api-key-verifier.js";
import { authMigrations } from "./migrations.js";
import { createAccount, createApiKey, revokeApiKey, type Principal } from "./service.js";

/** Polls until `check` holds or `withinMs` passed; returns whether it held (no speed asserted). */
async function eventually(check: () => Promise<boolean> | boolean, withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("ApiKeyVerifier (keys from memory, changes pushed by Postgres)", function () {
  this.timeout(30_000);
  let db: TestDatabase | undefined;
  const replicas: ApiKeyVerifier[] = [];
  const errors: unknown[] = [];
  let lookups = 0;
  const database = (): TestDatabase => {
    if (db === undefined) throw new Error("before hook did not run");
    return db;
  };
  /** A replica: its own verifier and LISTEN connection on the shared database. */
  const replica = async (): Promise<ApiKeyVerifier> => {
    const counted = new Proxy(database().pool, {
      get: (target, property, receiver) => {
        if (property === "maybeOne") lookups++;
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const verifier = new ApiKeyVerifier(counted, {
      databaseUrl: database().url,
      retryMs: 50,
      onError: (error) => errors.push(error),
    });
    replicas.push(verifier);
    await verifier.start();
    return verifier;
  };
  const newKey = async (): Promise<{ key: string; id: string }> => {
    const account = await createAccount(database().pool, "cache", "consumer");
    return createApiKey(database().pool, account.id, "k");
  };

  before(async () => {
    db = await startTestDatabase({ migrations: [authMigrations] });
  });
  after(async () => {
    for (const verifier of replicas) await verifier.close();
    await db?.stop();
  });

  it("answers a key from memory after the first lookup, on each replica", async () => {
    // The key exists before the replicas listen: its creation's notification (which drops a
    // cached entry, costing one more lookup if it arrives late) cannot reach them mid-count.
    const { key, id } = await newKey();
    const [a, b] = [await replica(), await replica()];
    const before = lookups;
    for (const verifier of [a, b, a, b, a, b]) {
      expect((await verifier.authenticate(key))?.keyId).to.equal(id);
    }
    expect(lookups - before).to.equal(2, "one Postgres lookup per replica");
  });

  it("refuses a revoked key on every replica within 1 s of the revocation", async () => {
    const [a, b] = [await replica(), await replica()];
    const { key, id } = await newKey();
    expect((await a.authenticate(key))?.keyId).to.equal(id);
    expect((await b.authenticate(key))?.keyId).to.equal(id);
    await revokeApiKey(database().pool, id);
    const refused = async () =>
      (await a.authenticate(key)) === null && (await b.authenticate(key)) === null;
    expect(await eventually(refused, 1_000)).to.equal(true);
  });

  it("pushes scope changes, account changes and keys created for a hash seen as unknown", async () => {
    const verifier = await replica();
    const { key, id } = await newKey();
    expect((await verifier.authenticate(key))?.scopes).to.include("inference");
    await database().pool.query(
      sql.unsafe`UPDATE api_keys SET scopes = '{account:read}' WHERE id = ${id}`,
    );
    const rescoped = async () =>
      (await verifier.authenticate(key))?.scopes.join() === "account:read";
    expect(await eventually(rescoped, 1_000)).to.equal(true);

    await database().pool.query(sql.unsafe`
      UPDATE accounts SET role = 'provider' WHERE id = (SELECT account_id FROM api_keys WHERE id = ${id})`);
    const promoted = async () => (await verifier.authenticate(key))?.role === "provider";
    expect(await eventually(promoted, 1_000)).to.equal(true);

    // An unknown well-formed key is remembered as unknown, until a key with its hash appears.
    const chosen = `db-${"Q".repeat(32)}`;
    expect(await verifier.authenticate(chosen)).to.equal(null);
    const account = await createAccount(database().pool, "chosen", "consumer");
    await database().pool.query(sql.unsafe`
      INSERT INTO api_keys (account_id, name, prefix, hash, scopes)
      VALUES (${account.id}, 'chosen', 'db-QQQQQQ', ${sql.binary(hashApiKey(chosen))}, '{inference}')`);
    const known = async () => (await verifier.authenticate(chosen))?.accountId === account.id;
    expect(await eventually(known, 1_000)).to.equal(true);
  });

  it("serves nothing from memory while the LISTEN connection is down, and caches again once it is back", async () => {
    const verifier = await replica();
    const { key, id } = await newKey();
    expect((await verifier.authenticate(key))?.keyId).to.equal(id);
    await database().pool.query(sql.unsafe`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'darkbloom-key-changes'`);
    expect(await eventually(() => !verifier.cached, 5_000)).to.equal(true);
    // Revoked while nobody listens: refused at once, because every key now goes to Postgres.
    await revokeApiKey(database().pool, id);
    expect(await verifier.authenticate(key)).to.equal(null);
    expect(await eventually(() => verifier.cached, 5_000)).to.equal(true);
    expect(await verifier.authenticate(key)).to.equal(null);
    expect(errors.length).to.be.greaterThan(0, "the dropped connection was reported");
  });
});

describe("ApiKeyCache", () => {
  const principal = (accountId: string): Principal => ({
    accountId,
    keyId: `key-of-${accountId}`,
    role: "consumer",
    scopes: ["inference"],
  });

  it("keeps at most maxEntries, dropping the least recently used", () => {
    const cache = new ApiKeyCache({ maxEntries: 2, maxAgeMs: 1_000 });
    cache.set("h1", principal("a"), 0, cache.snapshot());
    cache.set("h2", null, 0, cache.snapshot());
    expect(cache.get("h1", 1)?.principal?.accountId).to.equal("a");
    cache.set("h3", principal("c"), 2, cache.snapshot());
    expect(cache.size).to.equal(2);
    expect(cache.get("h2", 3)).to.equal(undefined);
    expect(cache.get("h1", 3)).not.to.equal(undefined);
  });

  it("re-verifies entries older than maxAgeMs and drops by key or by account", () => {
    const cache = new ApiKeyCache({ maxEntries: 10, maxAgeMs: 1_000 });
    cache.set("h1", principal("a"), 0, cache.snapshot());
    cache.set("h2", principal("a"), 0, cache.snapshot());
    cache.set("h3", principal("b"), 0, cache.snapshot());
    expect(cache.get("h3", 1_000)).to.equal(undefined, "too old");
    cache.dropAccount("a");
    expect([cache.get("h1", 1), cache.get("h2", 1)]).to.deep.equal([undefined, undefined]);
  });

  it("does not store an answer looked up before a change arrived", () => {
    const cache = new ApiKeyCache({ maxEntries: 10, maxAgeMs: 1_000 });
    const snapshot = cache.snapshot();
    cache.dropKey("h1");
    cache.set("h1", principal("a"), 0, snapshot);
    expect(cache.get("h1", 1)).to.equal(undefined);
  });
});
