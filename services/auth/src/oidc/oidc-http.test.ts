import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { sql, type DatabasePool } from "@darkbloom/db";
import {
  FakeOidcProvider,
  signInWithOidc,
  startTestDatabase,
  type TestDatabase,
} from "@darkbloom/testing";
import { createFrontDoor } from "@darkbloom/edge";
import { DEFAULT_TEST_LIMITS } from "@darkbloom/edge/testing";
import { createMetricsRegistry } from "@darkbloom/telemetry";
import { z } from "zod";
import { consoleSessionMigrations } from "../console-session/index.js";
import { createConsoleSessions } from "../console-session/console-sessions.js";
import { authMigrations } from "../migrations.js";
import { createAuthRoutes } from "./oidc-http.js";
import { SignUpRefused, type SignUpCodes } from "./sign-up.js";

const USERS = [
  { id: "ada", password: "pw-ada", email: "ada@example.com", name: "Ada Lovelace" },
  { id: "bob", password: "pw-bob", email: "bob@example.com", name: "Bob" },
  { id: "eve", password: "pw-eve", email: "eve@example.com", name: "Eve" },
];

describe("console sign-in over OpenID Connect (a real OP: oidc-provider)", function () {
  this.timeout(30_000);
  let db: TestDatabase | undefined;
  let op: FakeOidcProvider | undefined;
  let server: Server | undefined;
  let base = "";
  let requireInvite = false;
  const signUps: { accountId: string; codes: SignUpCodes }[] = [];
  const pool = (): DatabasePool => {
    if (!db) throw new Error("before hook did not run");
    return db.pool;
  };
  const accounts = async (): Promise<number> =>
    pool().oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM accounts`);

  before(async () => {
    db = await startTestDatabase({ migrations: [authMigrations, consoleSessionMigrations] });
    server = createServer();
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    op = await FakeOidcProvider.start({
      clientId: "console",
      clientSecret: "console-secret",
      redirectUris: [`${base}/v1/auth/oidc/callback`],
      users: USERS,
    });
    const issuer = op.issuer;
    const routes = createAuthRoutes({
      pool: pool(),
      sessions: createConsoleSessions(pool(), { secure: false, ttlMs: 3_600_000 }),
      consolePath: "/console",
      onRefused: () => undefined,
      oidc: {
        issuer,
        clientId: "console",
        clientSecret: "console-secret",
        redirectUri: `${base}/v1/auth/oidc/callback`,
        scopes: "openid email profile",
        get requireInvite() {
          return requireInvite;
        },
        onSignUp: (_tx, accountId, codes) => {
          if (codes.inviteCode === "unknown")
            return Promise.reject(new SignUpRefused("invite_invalid", "no such invite"));
          signUps.push({ accountId, codes });
          return Promise.resolve();
        },
      },
    });
    const door = createFrontDoor({
      routes,
      limits: DEFAULT_TEST_LIMITS,
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      onError: (e) => console.error(e),
    });
    server.on("request", (req, res) => void door.handle(req, res));
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await op?.close();
    await db?.stop();
  });

  const start = (query = "") => `${base}/v1/auth/oidc/start${query}`;
  const sessionOf = async (cookie: string) =>
    fetch(`${base}/v1/auth/session`, { headers: { cookie } });

  it("the first sign-in creates a consumer account and lands on the page asked for, signed in", async () => {
    const result = await signInWithOidc(start("?next=/keys&referral=ref-abcd"), {
      username: "ada",
      password: "pw-ada",
    });
    expect(result.location.pathname).to.equal("/console/keys");
    const cookie = `darkbloom_session=${result.cookies.get("darkbloom_session")}`;
    const res = await sessionOf(cookie);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as {
      account: { id: string; name: string; role: string };
      csrf_token: string;
    };
    expect(body.account).to.include({ name: "Ada Lovelace", role: "consumer" });
    expect(body.csrf_token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(signUps).to.deep.equal([
      { accountId: body.account.id, codes: { inviteCode: undefined, referralCode: "ref-abcd" } },
    ]);
    // the login cookie is gone, the identity is recorded
    expect(result.cookies.has("darkbloom_oidc")).to.equal(false);
    const identity = await pool().one(
      sql.type(z.object({ account_id: z.string(), email: z.string() }))`
        SELECT account_id, email FROM oidc_identities WHERE subject = 'ada'`,
    );
    expect(identity).to.deep.equal({ account_id: body.account.id, email: "ada@example.com" });
  });

  it("a later sign-in of the same person opens the same account (no second sign-up)", async () => {
    const before = await accounts();
    const result = await signInWithOidc(start(), { username: "ada", password: "pw-ada" });
    expect(result.location.pathname).to.equal("/console/");
    expect(await accounts()).to.equal(before);
    expect(signUps).to.have.length(1);
  });

  it("with invites required, a new person without a code is refused and no account is made", async () => {
    requireInvite = true;
    try {
      const before = await accounts();
      const refused = await signInWithOidc(start(), { username: "bob", password: "pw-bob" });
      expect(refused.location.pathname).to.equal("/console/sign-in");
      expect(refused.location.searchParams.get("error")).to.equal("invite_required");
      expect(refused.cookies.has("darkbloom_session")).to.equal(false);
      // a refused code rolls the whole sign-up back
      const bad = await signInWithOidc(start("?invite=unknown"), {
        username: "bob",
        password: "pw-bob",
      });
      expect(bad.location.searchParams.get("error")).to.equal("invite_invalid");
      expect(await accounts()).to.equal(before);

      const ok = await signInWithOidc(start("?invite=inv-good"), {
        username: "bob",
        password: "pw-bob",
      });
      expect(ok.location.pathname).to.equal("/console/");
      expect(await accounts()).to.equal(before + 1);
      expect(signUps.at(-1)?.codes).to.deep.equal({
        inviteCode: "inv-good",
        referralCode: undefined,
      });
      // an existing person needs no invite
      const again = await signInWithOidc(start(), { username: "ada", password: "pw-ada" });
      expect(again.location.pathname).to.equal("/console/");
    } finally {
      requireInvite = false;
    }
  });

  it("a callback without this browser's login cookie is refused (login CSRF)", async () => {
    const first = await fetch(start(), { redirect: "manual" });
    await first.arrayBuffer();
    const state = new URL(first.headers.get("location") ?? "").searchParams.get("state");
    expect(state).to.be.a("string");
    const forged = await fetch(`${base}/v1/auth/oidc/callback?code=x&state=${state}`, {
      redirect: "manual",
      headers: { cookie: "darkbloom_oidc=someone-elses-state" },
    });
    await forged.arrayBuffer();
    expect(forged.status).to.equal(302);
    expect(forged.headers.get("location")).to.equal("/console/sign-in?error=login_expired");
    expect(forged.headers.getSetCookie().join()).not.to.contain("darkbloom_session=dbs_");
  });

  it("asks the OP for the code flow with PKCE S256, and refuses a return path to another origin", async () => {
    const res = await fetch(start("?next=/usage"), { redirect: "manual" });
    await res.arrayBuffer();
    const to = new URL(res.headers.get("location") ?? "");
    expect(to.origin).to.equal(op?.issuer);
    expect(to.searchParams.get("response_type")).to.equal("code");
    expect(to.searchParams.get("code_challenge_method")).to.equal("S256");
    expect(to.searchParams.get("code_challenge")).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get("nonce")).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get("set-cookie")).to.match(/^darkbloom_oidc=.*HttpOnly; SameSite=Lax/);
    const evil = await fetch(start("?next=//evil.example"), { redirect: "manual" });
    await evil.arrayBuffer();
    expect(evil.headers.get("location")).to.equal("/console/sign-in?error=bad_request");
  });

  it("sign-out needs the CSRF token, then revokes the session for good", async () => {
    const result = await signInWithOidc(start(), { username: "eve", password: "pw-eve" });
    const cookie = `darkbloom_session=${result.cookies.get("darkbloom_session")}`;
    const { csrf_token } = (await (await sessionOf(cookie)).json()) as { csrf_token: string };
    const signOut = (headers: Record<string, string>) =>
      fetch(`${base}/v1/auth/sign-out`, { method: "POST", headers: { cookie, ...headers } });
    const noToken = await signOut({});
    expect(noToken.status).to.equal(403);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).to.equal(
      "csrf_token_invalid",
    );
    expect((await sessionOf(cookie)).status).to.equal(200);
    const out = await signOut({ "x-csrf-token": csrf_token });
    expect(out.status).to.equal(200);
    expect(out.headers.get("set-cookie")).to.match(/^darkbloom_session=; .*Max-Age=0/);
    expect((await sessionOf(cookie)).status).to.equal(401);
    expect((await signOut({ "x-csrf-token": csrf_token })).status).to.equal(401);
  });
});
