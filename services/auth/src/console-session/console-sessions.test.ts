import { expect } from "chai";
import { sql, type DatabasePool } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { z } from "zod";
import { authMigrations } from "../migrations.js";
import { createAccount } from "../service.js";
import { consoleSessionMigrations } from "./index.js";
import { createConsoleSessions, type SessionCheck } from "./console-sessions.js";
import { csrfTokenOf } from "./session-token.js";

describe("console sessions", () => {
  let db: TestDatabase | undefined;
  const pool = (): DatabasePool => {
    if (!db) throw new Error("before hook did not run");
    return db.pool;
  };
  const sessions = () => createConsoleSessions(pool(), { secure: false, ttlMs: 3_600_000 });
  const cookieOf = (setCookie: string): string => setCookie.split(";")[0] ?? "";

  before(async () => {
    db = await startTestDatabase({ migrations: [authMigrations, consoleSessionMigrations] });
  });
  after(async () => db?.stop());

  it("issues an HttpOnly SameSite=Strict cookie whose secret is stored only as a hash", async () => {
    const account = await createAccount(pool(), "ada", "consumer");
    const issued = await sessions().issue(pool(), account.id);
    expect(issued.setCookie).to.match(/^darkbloom_session=dbs_[A-Za-z0-9_-]{43}; Path=\//);
    expect(issued.setCookie).to.contain("HttpOnly").and.contain("SameSite=Strict");
    expect(issued.setCookie).not.to.contain("Secure");
    const stored = await pool().any(
      sql.type(
        z.object({ token_hash: z.instanceof(Buffer) }),
      )`SELECT token_hash FROM console_sessions`,
    );
    expect(stored.map((r) => r.token_hash.length)).to.include(32);
    const all = JSON.stringify(await pool().any(sql.unsafe`SELECT * FROM console_sessions`));
    expect(all).not.to.contain(issued.token.slice(4));
  });

  it("over https the cookie is Secure and __Host- prefixed", async () => {
    const account = await createAccount(pool(), "tls", "consumer");
    const secure = createConsoleSessions(pool(), { secure: true, ttlMs: 60_000 });
    const issued = await secure.issue(pool(), account.id);
    expect(issued.setCookie)
      .to.match(/^__Host-darkbloom_session=/)
      .and.contain("; Secure");
    expect(secure.clearCookie()).to.match(/^__Host-darkbloom_session=; .*Max-Age=0/);
  });

  it("reads a session back as the account's principal with its role's scopes", async () => {
    const account = await createAccount(pool(), "op", "provider");
    const s = sessions();
    const issued = await s.issue(pool(), account.id);
    const check = await s.check({
      method: "GET",
      cookie: cookieOf(issued.setCookie),
      csrfToken: undefined,
    });
    expect(check.kind).to.equal("ok");
    if (check.kind !== "ok") return;
    expect(check.principal.accountId).to.equal(account.id);
    expect(check.principal.role).to.equal("provider");
    expect(check.principal.scopes).not.to.include("admin");
    expect(check.principal.keyId).to.match(/^session:[0-9a-f]{12}$/);
    expect(check.csrfToken).to.equal(issued.csrfToken);
  });

  it("refuses a state-changing call without the CSRF token, or with another session's", async () => {
    const a = await createAccount(pool(), "a", "consumer");
    const s = sessions();
    const mine = await s.issue(pool(), a.id);
    const theirs = await s.issue(pool(), a.id);
    const cookie = cookieOf(mine.setCookie);
    const kinds = async (csrfToken: string | undefined, method = "POST"): Promise<string> =>
      (await s.check({ method, cookie, csrfToken })).kind;
    expect(await kinds(undefined)).to.equal("csrf");
    expect(await kinds("")).to.equal("csrf");
    expect(await kinds(theirs.csrfToken)).to.equal("csrf");
    expect(await kinds(undefined, "DELETE")).to.equal("csrf");
    expect(await kinds(mine.csrfToken)).to.equal("ok");
    expect(await kinds(undefined, "GET")).to.equal("ok");
  });

  it("treats forged, malformed and absent cookies apart", async () => {
    const s = sessions();
    const forged = `dbs_${"A".repeat(43)}`;
    const check = (cookie: string | undefined): Promise<SessionCheck> =>
      s.check({ method: "POST", cookie, csrfToken: csrfTokenOf(forged) });
    expect((await check(`darkbloom_session=${forged}`)).kind).to.equal("invalid");
    expect((await check("darkbloom_session=not-a-token")).kind).to.equal("invalid");
    expect((await check("other=1")).kind).to.equal("none");
    expect((await check(undefined)).kind).to.equal("none");
  });

  it("sign-out revokes the session for good; a revoked session cannot be revoked again", async () => {
    const a = await createAccount(pool(), "leaver", "consumer");
    const s = sessions();
    const issued = await s.issue(pool(), a.id);
    const cookie = cookieOf(issued.setCookie);
    expect(await s.revoke(cookie)).to.equal(true);
    expect((await s.check({ method: "GET", cookie, csrfToken: undefined })).kind).to.equal(
      "invalid",
    );
    expect((await s.check({ method: "POST", cookie, csrfToken: issued.csrfToken })).kind).to.equal(
      "invalid",
    );
    expect(await s.revoke(cookie)).to.equal(false);
  });

  it("an expired session is refused", async () => {
    const a = await createAccount(pool(), "old", "consumer");
    const s = sessions();
    const issued = await s.issue(pool(), a.id);
    await pool().query(sql.unsafe`
      UPDATE console_sessions SET expires_at = now() - interval '1 second'
      WHERE account_id = ${a.id}`);
    const cookie = cookieOf(issued.setCookie);
    expect((await s.check({ method: "GET", cookie, csrfToken: undefined })).kind).to.equal(
      "invalid",
    );
  });

  it("a sign-in rotates: a new session id, and the session the browser came with is revoked", async () => {
    const a = await createAccount(pool(), "rotator", "consumer");
    const s = sessions();
    const before = await s.issue(pool(), a.id);
    const oldCookie = cookieOf(before.setCookie);
    // an attacker who planted (or saw) the old cookie keeps nothing after the sign-in
    const after = await s.issue(pool(), a.id, `other=1; ${oldCookie}`);
    const newCookie = cookieOf(after.setCookie);
    expect(after.token).not.to.equal(before.token);
    expect(after.csrfToken).not.to.equal(before.csrfToken);
    expect(
      (await s.check({ method: "GET", cookie: oldCookie, csrfToken: undefined })).kind,
    ).to.equal("invalid");
    const check = await s.check({ method: "GET", cookie: newCookie, csrfToken: undefined });
    expect(check.kind).to.equal("ok");
    if (check.kind === "ok") expect(check.principal.accountId).to.equal(a.id);
  });

  it("a privilege change ends the account's sessions: the old id is refused, a new sign-in works", async () => {
    const a = await createAccount(pool(), "promoted", "consumer");
    const s = sessions();
    const before = await s.issue(pool(), a.id);
    const oldCookie = cookieOf(before.setCookie);
    expect(
      (await s.check({ method: "GET", cookie: oldCookie, csrfToken: undefined })).kind,
    ).to.equal("ok");
    await pool().query(sql.unsafe`UPDATE accounts SET role = 'provider' WHERE id = ${a.id}`);
    expect(
      (await s.check({ method: "GET", cookie: oldCookie, csrfToken: undefined })).kind,
    ).to.equal("invalid");
    const after = await s.issue(pool(), a.id, oldCookie);
    expect(after.token).not.to.equal(before.token);
    const check = await s.check({
      method: "GET",
      cookie: cookieOf(after.setCookie),
      csrfToken: undefined,
    });
    expect(check.kind).to.equal("ok");
    if (check.kind === "ok") expect(check.principal.role).to.equal("provider");
    // and a demotion ends it again
    await pool().query(sql.unsafe`UPDATE accounts SET role = 'consumer' WHERE id = ${a.id}`);
    expect(
      (await s.check({ method: "GET", cookie: cookieOf(after.setCookie), csrfToken: undefined }))
        .kind,
    ).to.equal("invalid");
  });
});
