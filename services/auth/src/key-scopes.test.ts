import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { runMigrations } from "@darkbloom/db";
import { startTestDatabase } from "@darkbloom/testing";
import { authMigrations } from "./migrations.js";
import { allows, knownScopes, scopesOfRole } from "./scopes.js";
import { authenticateApiKey, createAccount, createApiKey, ensureBootstrapKey } from "./service.js";

describe("key scopes", () => {
  it("lets a key do only what it holds, and admin only on an admin account", () => {
    expect(allows({ role: "admin", scopes: ["inference"] }, "admin")).to.equal(false);
    expect(allows({ role: "admin", scopes: [] }, "account:read")).to.equal(false);
    expect(allows({ role: "consumer", scopes: ["admin"] }, "admin")).to.equal(false);
    expect(allows({ role: "admin", scopes: ["admin"] }, "admin")).to.equal(true);
    expect(allows({ role: "consumer", scopes: ["account:write"] }, "account:write")).to.equal(true);
  });

  it("grants admin only to the admin role and ignores unknown stored names", () => {
    expect(scopesOfRole("consumer")).to.deep.equal(["inference", "account:read", "account:write"]);
    expect(scopesOfRole("admin")).to.include("admin");
    expect(knownScopes(["admin", "everything", "inference"])).to.deep.equal(["inference", "admin"]);
  });

  it("gives the bootstrap key every scope", async () => {
    const db = await startTestDatabase({ migrations: [authMigrations] });
    try {
      const bootstrap = await ensureBootstrapKey(db.pool);
      const principal = await authenticateApiKey(db.pool, bootstrap?.key ?? "");
      expect(principal?.scopes).to.deep.equal([
        "inference",
        "account:read",
        "account:write",
        "admin",
      ]);
    } finally {
      await db.stop();
    }
  });

  it("migrates keys made before enforcement to the scopes they effectively had", async () => {
    const db = await startTestDatabase();
    const before = await mkdtemp(path.join(tmpdir(), "auth-migrations-"));
    try {
      // the schema as it was before 006: keys stored `{}` (or `{admin}`) and could do everything
      for (const file of await readdir(authMigrations.directory)) {
        if (file < "006")
          await cp(path.join(authMigrations.directory, file), path.join(before, file));
      }
      await runMigrations(db.pool, { service: "auth", directory: before });
      const consumer = await createAccount(db.pool, "old consumer", "consumer");
      const admin = await createAccount(db.pool, "old admin", "admin");
      const consumerKey = await createApiKey(db.pool, consumer.id, "old", []);
      const adminKey = await createApiKey(db.pool, admin.id, "old", []);
      expect((await authenticateApiKey(db.pool, adminKey.key))?.scopes).to.deep.equal([]);

      await runMigrations(db.pool, authMigrations);
      expect((await authenticateApiKey(db.pool, consumerKey.key))?.scopes).to.deep.equal([
        "inference",
        "account:read",
        "account:write",
      ]);
      expect((await authenticateApiKey(db.pool, adminKey.key))?.scopes).to.deep.equal([
        "inference",
        "account:read",
        "account:write",
        "admin",
      ]);
    } finally {
      await rm(before, { recursive: true, force: true });
      await db.stop();
    }
  });
});
