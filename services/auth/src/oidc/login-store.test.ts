import { expect } from "chai";
import type { DatabasePool } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { consoleSessionMigrations } from "../console-session/index.js";
import { authMigrations } from "../migrations.js";
import { saveLogin, takeLogin, type PendingLogin } from "./login-store.js";
import { hashState, newLoginSecrets } from "./pkce.js";

describe("logins in flight (oidc_logins)", () => {
  let db: TestDatabase | undefined;
  const pool = (): DatabasePool => {
    if (!db) throw new Error("before hook did not run");
    return db.pool;
  };
  const login: PendingLogin = {
    codeVerifier: "v",
    nonce: "n",
    inviteCode: "inv-1",
    referralCode: undefined,
    returnTo: "/keys",
  };

  before(async () => {
    db = await startTestDatabase({ migrations: [authMigrations, consoleSessionMigrations] });
  });
  after(async () => db?.stop());

  it("caps the logins in flight (the start route is unauthenticated) and hands each out once", async () => {
    const fresh = (): Buffer => hashState(newLoginSecrets().state);
    const [a, b, c] = [fresh(), fresh(), fresh()] as const;
    expect(await saveLogin(pool(), a, login, 60_000, 2)).to.equal(true);
    expect(await saveLogin(pool(), b, login, 60_000, 2)).to.equal(true);
    expect(await saveLogin(pool(), c, login, 60_000, 2)).to.equal(false);
    expect(await takeLogin(pool(), a)).to.deep.equal(login);
    expect(await takeLogin(pool(), a)).to.equal(null);
    expect(await takeLogin(pool(), c)).to.equal(null);
    // a taken login frees its place
    expect(await saveLogin(pool(), c, login, 60_000, 2)).to.equal(true);
  });

  it("does not hand out an expired login", async () => {
    const state = hashState(newLoginSecrets().state);
    expect(await saveLogin(pool(), state, login, 0, 10)).to.equal(true);
    expect(await takeLogin(pool(), state)).to.equal(null);
  });
});
