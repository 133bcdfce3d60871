import { expect } from "chai";
import { Code, ConnectError } from "@connectrpc/connect";
import { sql, type DatabasePool } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { z } from "zod";
import { authMigrations } from "./migrations.js";
import {
  authenticateApiKey,
  createAccount,
  createApiKey,
  ensureBootstrapKey,
  revokeApiKey,
} from "./service.js";

describe("auth service", () => {
  let db: TestDatabase | undefined;
  const pool = (): DatabasePool => {
    if (db === undefined) throw new Error("before hook did not run");
    return db.pool;
  };

  before(async () => {
    db = await startTestDatabase({ migrations: [authMigrations] });
  });
  after(async () => {
    await db?.stop();
  });

  const lastUsed = async (keyId: string): Promise<number | null> =>
    pool().oneFirst(sql.type(z.object({ last_used_at: z.number().nullable() }))`
      SELECT last_used_at FROM api_keys WHERE id = ${keyId}`);

  it("gives the bootstrap admin key on the first start only, even when starts race", async () => {
    const results = await Promise.all([
      ensureBootstrapKey(pool()),
      ensureBootstrapKey(pool()),
      ensureBootstrapKey(pool()),
    ]);
    const created = results.filter((result) => result !== null);
    expect(created).to.have.length(1);
    expect(await ensureBootstrapKey(pool())).to.equal(null);
    const principal = await authenticateApiKey(pool(), created[0]?.key ?? "");
    expect(principal?.role).to.equal("admin");
    expect(principal?.accountId).to.equal(created[0]?.accountId);
  });

  it("creates a key shown once as db- plus 32 base62 characters and stores only its hash", async () => {
    const account = await createAccount(pool(), "alice", "consumer");
    const created = await createApiKey(pool(), account.id, "laptop");
    expect(created.key).to.match(/^db-[0-9A-Za-z]{32}$/);
    expect(created.prefix).to.equal(created.key.slice(0, 9));
    const stored = await pool().one(sql.type(
      z.object({ prefix: z.string(), hash: z.instanceof(Buffer) }),
    )`
      SELECT prefix, hash FROM api_keys WHERE id = ${created.id}`);
    expect(stored.hash.toString("utf8")).to.not.include(created.key.slice(3));
    expect(stored.hash).to.have.length(32);
  });

  it("authenticates a key to its account, key and role and stamps last_used_at", async () => {
    const account = await createAccount(pool(), "prov", "provider");
    const created = await createApiKey(pool(), account.id, "daemon");
    expect(await lastUsed(created.id)).to.equal(null);
    expect(await authenticateApiKey(pool(), created.key)).to.deep.equal({
      accountId: account.id,
      keyId: created.id,
      role: "provider",
      scopes: ["inference", "account:read", "account:write"],
      limited: false,
    });
    const stamped = await lastUsed(created.id);
    expect(stamped).to.be.a("number");
    await authenticateApiKey(pool(), created.key);
    expect(await lastUsed(created.id)).to.equal(
      stamped,
      "a second use within the resolution does not write",
    );
  });

  it("rejects unknown, malformed and revoked keys", async () => {
    const account = await createAccount(pool(), "bob", "consumer");
    const created = await createApiKey(pool(), account.id, "ci");
    expect(await authenticateApiKey(pool(), `db-${"x".repeat(32)}`)).to.equal(null);
    expect(await authenticateApiKey(pool(), "not a key")).to.equal(null);
    expect(await authenticateApiKey(pool(), created.key.slice(0, -1))).to.equal(null);
    await revokeApiKey(pool(), created.id);
    expect(await authenticateApiKey(pool(), created.key)).to.equal(null);
  });

  it("reports NotFound for revoking twice, unknown keys and keys for unknown accounts", async () => {
    const account = await createAccount(pool(), "carol", "consumer");
    const created = await createApiKey(pool(), account.id, "once");
    await revokeApiKey(pool(), created.id);
    const codes = await Promise.all([
      revokeApiKey(pool(), created.id).catch((error: unknown) => ConnectError.from(error).code),
      revokeApiKey(pool(), "nope").catch((error: unknown) => ConnectError.from(error).code),
      createApiKey(pool(), "00000000-0000-4000-8000-000000000000", "x").catch(
        (error: unknown) => ConnectError.from(error).code,
      ),
    ]);
    expect(codes).to.deep.equal([Code.NotFound, Code.NotFound, Code.NotFound]);
  });

  it("refuses an empty name", async () => {
    const code = await createAccount(pool(), "  ", "consumer").catch(
      (error: unknown) => ConnectError.from(error).code,
    );
    expect(code).to.equal(Code.InvalidArgument);
  });
});
