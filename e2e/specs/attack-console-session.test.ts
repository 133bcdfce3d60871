// Console sessions attacked against the real coordinator (embedded Postgres) and a real OpenID
// Provider (oidc-provider): a forged cookie, a state-changing call without the CSRF token, a
// consumer's session calling an admin RPC, and a session used again after sign-out. Also the
// sign-up itself: invite required and redeemed (credit), referral recorded.
import { expect } from "chai";
import { createClient, Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RoutingService } from "@darkbloom/proto";
import { FakeOidcProvider, freePort, signInWithOidc } from "@darkbloom/testing";
import { startCoordinator, type RunningCoordinator } from "../testbed/testbed.js";

const USERS = [
  { id: "carol", password: "pw-carol", email: "carol@example.com", name: "Carol" },
  { id: "dave", password: "pw-dave", email: "dave@example.com", name: "Dave" },
  { id: "erin", password: "pw-erin", email: "erin@example.com", name: "Erin" },
];
type ErrorBody = { error: { type: string; code: string } };

describe("attack: console cookie sessions (forged cookie, missing CSRF, role, stale session)", function () {
  this.timeout(120_000);
  let op: FakeOidcProvider | undefined;
  let coordinator: RunningCoordinator | undefined;
  let carol = { cookie: "", csrf: "", id: "" };
  let inviteCode = "";
  let referralCode = "";
  let adminId = "";

  const c = (): RunningCoordinator => {
    if (!coordinator) throw new Error("before hook did not run");
    return coordinator;
  };
  const asAdmin = (path: string, init: RequestInit = {}) =>
    fetch(`${c().url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${c().apiKey}`,
        "content-type": "application/json",
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  const withCookie = (path: string, cookie: string, init: RequestInit = {}) =>
    fetch(`${c().url}${path}`, {
      ...init,
      headers: {
        cookie,
        "content-type": "application/json",
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  const signIn = async (user: string, query: string) => {
    const result = await signInWithOidc(`${c().url}/v1/auth/oidc/start${query}`, {
      username: user,
      password: `pw-${user}`,
    });
    const token = result.cookies.get("darkbloom_session");
    return { location: result.location, cookie: token ? `darkbloom_session=${token}` : "" };
  };
  const routingAs = (headers: Record<string, string>) => {
    const set: Interceptor = (next) => (req) => {
      for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
      return next(req);
    };
    return createClient(
      RoutingService,
      createConnectTransport({ baseUrl: c().url, httpVersion: "1.1", interceptors: [set] }),
    );
  };
  const connectCode = async (call: Promise<unknown>): Promise<Code> => {
    try {
      await call;
    } catch (error) {
      return ConnectError.from(error).code;
    }
    throw new Error("the call was allowed");
  };

  before(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    op = await FakeOidcProvider.start({
      clientId: "darkbloom-console",
      clientSecret: "e2e-client-secret",
      redirectUris: [`${base}/v1/auth/oidc/callback`],
      users: USERS,
    });
    coordinator = await startCoordinator({
      DARKBLOOM_PORT: String(port),
      DARKBLOOM_OIDC_ISSUER: op.issuer,
      DARKBLOOM_OIDC_CLIENT_ID: "darkbloom-console",
      DARKBLOOM_OIDC_CLIENT_SECRET: "e2e-client-secret",
      DARKBLOOM_SIGNUP_REQUIRE_INVITE: "true",
    });
    const invite = await asAdmin("/v1/admin/invites", {
      method: "POST",
      body: JSON.stringify({ credit_micro_usd: 2_500_000, max_uses: 5 }),
    });
    expect(invite.status).to.equal(201);
    inviteCode = ((await invite.json()) as { code: string }).code;
    referralCode = ((await (await asAdmin("/v1/referral-code")).json()) as { code: string }).code;
    adminId = ((await (await asAdmin("/v1/me")).json()) as { id: string }).id;
  });
  after(async () => {
    await coordinator?.stop();
    await op?.close();
  });

  it("signs up through the OP only with an invite: credit granted, referral recorded", async () => {
    const refused = await signIn("carol", "");
    expect(refused.location.searchParams.get("error")).to.equal("invite_required");
    expect(refused.cookie).to.equal("");

    const ok = await signIn("carol", `?invite=${inviteCode}&referral=${referralCode}&next=/keys`);
    expect(ok.location.pathname).to.equal("/console/keys");
    const session = (await (await withCookie("/v1/auth/session", ok.cookie)).json()) as {
      account: { id: string; role: string };
      csrf_token: string;
    };
    expect(session.account.role).to.equal("consumer");
    carol = { cookie: ok.cookie, csrf: session.csrf_token, id: session.account.id };
    const me = (await (await withCookie("/v1/me", carol.cookie)).json()) as {
      id: string;
      authenticated_with: string;
      balance: { available_micro_usd: number };
    };
    expect(me).to.include({ id: carol.id, authenticated_with: "session" });
    expect(me.balance.available_micro_usd).to.equal(2_500_000);
    // the referral is on record: applying the same code again answers with the same referrer
    const again = await withCookie("/v1/referrals/apply", carol.cookie, {
      method: "POST",
      headers: { "x-csrf-token": carol.csrf },
      body: JSON.stringify({ code: referralCode }),
    });
    expect(again.status).to.equal(200);
    expect(((await again.json()) as { referrer_id: string }).referrer_id).to.equal(adminId);
  });

  it("refuses a forged session cookie, even with the CSRF token the forger can derive for it", async () => {
    expect(carol.cookie, "the sign-up test ran").to.match(/^darkbloom_session=dbs_/);
    const forged = `darkbloom_session=dbs_${"x".repeat(43)}`;
    const me = await withCookie("/v1/me", forged);
    expect(me.status).to.equal(401);
    expect(((await me.json()) as ErrorBody).error.code).to.equal("invalid_session");
    const { createHmac } = await import("node:crypto");
    const derived = createHmac("sha256", forged.split("=")[1] ?? "")
      .update("darkbloom console csrf v1")
      .digest("base64url");
    const create = await withCookie("/v1/keys", forged, {
      method: "POST",
      headers: { "x-csrf-token": derived },
      body: JSON.stringify({ name: "stolen" }),
    });
    expect(create.status).to.equal(401);
    // a tampered real cookie (one character changed) is as good as forged
    const tampered = carol.cookie.slice(0, -1) + (carol.cookie.endsWith("A") ? "B" : "A");
    expect((await withCookie("/v1/me", tampered)).status).to.equal(401);
  });

  it("refuses a state-changing call without the session's CSRF token (a cross-site form post)", async () => {
    const keys = async (): Promise<number> =>
      ((await (await withCookie("/v1/keys", carol.cookie)).json()) as { data: unknown[] }).data
        .length;
    const before = await keys();
    const attempts: Record<string, string>[] = [
      {},
      { "x-csrf-token": "" },
      { "x-csrf-token": "x".repeat(43) },
    ];
    for (const headers of attempts) {
      const res = await withCookie("/v1/keys", carol.cookie, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "csrf" }),
      });
      expect(res.status).to.equal(403);
      expect(((await res.json()) as ErrorBody).error).to.deep.include({
        type: "permission_error",
        code: "csrf_token_invalid",
      });
    }
    // a form post from another site: form-encoded, no header, the cookie attached
    const form = await withCookie("/v1/billing/checkout", carol.cookie, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "amount_micro_usd=1000000",
    });
    expect(form.status).to.equal(403);
    expect(await keys()).to.equal(before);
    const ok = await withCookie("/v1/keys", carol.cookie, {
      method: "POST",
      headers: { "x-csrf-token": carol.csrf },
      body: JSON.stringify({ name: "with-csrf" }),
    });
    expect(ok.status).to.equal(201);
    expect(await keys()).to.equal(before + 1);
  });

  it("approving a `darkbloom login` code with a session needs the CSRF token too", async () => {
    const grant = (await (
      await fetch(`${c().url}/v1/device/code`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      })
    ).json()) as { user_code: string };
    const approve = (headers: Record<string, string>) =>
      withCookie("/v1/device/approve", carol.cookie, {
        method: "POST",
        headers,
        body: JSON.stringify({ user_code: grant.user_code }),
      });
    expect((await approve({})).status).to.equal(403);
    expect((await approve({ "x-csrf-token": carol.csrf })).status).to.equal(200);
  });

  it("a consumer's session calling admin APIs is refused: Connect PermissionDenied, HTTP 403", async () => {
    const routing = routingAs({ cookie: carol.cookie, "x-csrf-token": carol.csrf });
    expect(await connectCode(routing.listProviders({}))).to.equal(Code.PermissionDenied);
    expect(await connectCode(routing.setWarmPoolPolicy({ targets: [] }))).to.equal(
      Code.PermissionDenied,
    );
    // without the CSRF token the Connect call is refused before the role is looked at
    expect(await connectCode(routingAs({ cookie: carol.cookie }).listProviders({}))).to.equal(
      Code.PermissionDenied,
    );
    const invite = await withCookie("/v1/admin/invites", carol.cookie, {
      method: "POST",
      headers: { "x-csrf-token": carol.csrf },
      body: JSON.stringify({ credit_micro_usd: 1_000_000 }),
    });
    expect(invite.status).to.equal(403);
    expect(((await invite.json()) as ErrorBody).error.code).to.equal("insufficient_scope");
    // the admin key still works (the check is the role, not a broken route)
    expect(await routingAs({ authorization: `Bearer ${c().apiKey}` }).listProviders({})).to.be.an(
      "object",
    );
  });

  it("a session is dead everywhere after sign-out (stale cookie and CSRF token)", async () => {
    const dave = await signIn("dave", `?invite=${inviteCode}`);
    const { csrf_token: csrf } = (await (
      await withCookie("/v1/auth/session", dave.cookie)
    ).json()) as {
      csrf_token: string;
    };
    expect((await withCookie("/v1/me", dave.cookie)).status).to.equal(200);
    const out = await withCookie("/v1/auth/sign-out", dave.cookie, {
      method: "POST",
      headers: { "x-csrf-token": csrf },
    });
    expect(out.status).to.equal(200);
    expect(out.headers.get("set-cookie")).to.match(/^darkbloom_session=;.*Max-Age=0/);
    const me = await withCookie("/v1/me", dave.cookie);
    expect(me.status).to.equal(401);
    expect(((await me.json()) as ErrorBody).error.code).to.equal("invalid_session");
    const key = await withCookie("/v1/keys", dave.cookie, {
      method: "POST",
      headers: { "x-csrf-token": csrf },
      body: JSON.stringify({ name: "after-sign-out" }),
    });
    expect(key.status).to.equal(401);
    expect((await withCookie("/v1/auth/session", dave.cookie)).status).to.equal(401);
    expect(
      await connectCode(routingAs({ cookie: dave.cookie, "x-csrf-token": csrf }).listProviders({})),
    ).to.equal(Code.Unauthenticated);
    // another person's session is untouched
    expect((await withCookie("/v1/me", carol.cookie)).status).to.equal(200);
  });

  it("a sign-in rotates the session: the id the browser came with (fixation) is dead after it", async () => {
    const first = await signIn("erin", `?invite=${inviteCode}`);
    expect((await withCookie("/v1/me", first.cookie)).status).to.equal(200);
    // the same browser signs in again, still carrying the first session's cookie (an attacker
    // who planted or saw it hopes to ride the new sign-in)
    const again = await signInWithOidc(
      `${c().url}/v1/auth/oidc/start`,
      { username: "erin", password: "pw-erin" },
      new Map([["darkbloom_session", first.cookie.split("=")[1] ?? ""]]),
    );
    const token = again.cookies.get("darkbloom_session") ?? "";
    const second = `darkbloom_session=${token}`;
    expect(token).to.match(/^dbs_/);
    expect(second).not.to.equal(first.cookie);
    const stale = await withCookie("/v1/me", first.cookie);
    expect(stale.status).to.equal(401);
    expect(((await stale.json()) as ErrorBody).error.code).to.equal("invalid_session");
    expect((await withCookie("/v1/me", second)).status).to.equal(200);
  });
});
