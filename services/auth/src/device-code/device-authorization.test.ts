import { expect } from "chai";
import { Code, ConnectError } from "@connectrpc/connect";
import { sql, type DatabasePool } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { z } from "zod";
import { authMigrations } from "../migrations.js";
import { createAccount } from "../service.js";
import { createDeviceAuthorization, deviceCodeMigrations } from "./device-authorization.js";
import { normalizeUserCode } from "./device-code-format.js";
import { ProviderTokenCache } from "./provider-token-cache.js";

describe("device authorization (RFC 8628)", () => {
  let db: TestDatabase | undefined;
  const pool = (): DatabasePool => {
    if (!db) throw new Error("before hook did not run");
    return db.pool;
  };
  // interval 0 so tests can poll back to back; slow_down is tested with its own interval
  const device = () =>
    createDeviceAuthorization(pool(), {
      verificationUri: () => "http://c/device",
      expiresInS: 600,
      intervalS: 0,
    });

  before(async () => {
    db = await startTestDatabase({ migrations: [authMigrations, deviceCodeMigrations] });
  });
  after(async () => db?.stop());

  it("answers authorization_pending until approved, then mints one token bound to the account", async () => {
    const account = await createAccount(pool(), "prov", "provider");
    const d = device();
    const grant = await d.start("darkbloom-provider");
    expect(grant.user_code).to.match(/^[B-Z]{4}-[B-Z]{4}$/);
    expect(grant.verification_uri_complete).to.contain(grant.user_code);
    expect(await d.poll(grant.device_code)).to.deep.equal({
      ok: false,
      error: "authorization_pending",
    });
    expect(
      await d.decide(grant.user_code.toLowerCase().replace("-", " "), account.id, true),
    ).to.equal(true);
    const r = await d.poll(grant.device_code);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(r.accountId).to.equal(account.id);
    expect(await d.authenticateProviderToken(r.token)).to.equal(account.id);
    expect(await d.poll(grant.device_code)).to.deep.equal({ ok: false, error: "invalid_grant" });
    const stored = await pool().any(
      sql.type(z.object({ hash: z.instanceof(Buffer) }))`SELECT hash FROM provider_tokens`,
    );
    expect(stored.some((s) => s.hash.toString("utf8").includes(r.token))).to.equal(false);

    const cache = new ProviderTokenCache(pool(), 60_000, () => undefined);
    await cache.refresh();
    expect(cache.accountFor(r.token)).to.equal(account.id);
    expect(cache.accountFor("dbp_wrong")).to.equal(undefined);
  });

  it("revokes a token: it stops authenticating and the gateway's cache refuses it", async () => {
    const account = await createAccount(pool(), "p-revoke", "provider");
    const d = device();
    const grant = await d.start("darkbloom-provider");
    await d.decide(grant.user_code, account.id, true);
    const r = await d.poll(grant.device_code);
    if (!r.ok) return expect.fail(`no token: ${r.error}`);
    const cache = new ProviderTokenCache(pool(), 60_000, () => undefined);
    await cache.refresh();
    expect(cache.admit(r.token, true)).to.deep.equal({ ok: true, accountId: account.id });

    expect(await d.revokeProviderToken(r.token)).to.equal(true);
    expect(await d.revokeProviderToken(r.token)).to.equal(false);
    expect(await d.authenticateProviderToken(r.token)).to.equal(null);
    await cache.refresh();
    expect(cache.admit(r.token, true)).to.include({ ok: false, code: "invalid_provider_token" });
  });

  it("answers access_denied when the account denies the code", async () => {
    const account = await createAccount(pool(), "p2", "provider");
    const d = device();
    const grant = await d.start("darkbloom-provider");
    await d.decide(grant.user_code, account.id, false);
    expect(await d.poll(grant.device_code)).to.deep.equal({ ok: false, error: "access_denied" });
  });

  it("answers slow_down to a client polling faster than the interval", async () => {
    const d = createDeviceAuthorization(pool(), {
      verificationUri: () => "http://c/device",
      expiresInS: 600,
      intervalS: 30,
    });
    const grant = await d.start("darkbloom-provider");
    expect(await d.poll(grant.device_code)).to.deep.equal({
      ok: false,
      error: "authorization_pending",
    });
    expect(await d.poll(grant.device_code)).to.deep.equal({ ok: false, error: "slow_down" });
  });

  it("answers expired_token after expires_in, and refuses approval of an expired code", async () => {
    const account = await createAccount(pool(), "p3", "provider");
    const d = device();
    const grant = await d.start("darkbloom-provider");
    await pool().query(
      sql.unsafe`UPDATE device_codes SET expires_at = now() - interval '1 second' WHERE user_code = ${grant.user_code}`,
    );
    expect(await d.decide(grant.user_code, account.id, true)).to.equal(false);
    expect(await d.codeState(grant.user_code)).to.equal("expired");
    expect(await d.poll(grant.device_code)).to.deep.equal({ ok: false, error: "expired_token" });
  });

  it("says where a code stands: unknown, pending, approved, then consumed", async () => {
    const account = await createAccount(pool(), "p4", "provider");
    const d = device();
    expect(await d.codeState("BCDF-GHJK")).to.equal("unknown");
    const grant = await d.start("darkbloom-provider");
    expect(await d.codeState(grant.user_code.toLowerCase())).to.equal("pending");
    expect(await d.decide(grant.user_code, account.id, true)).to.equal(true);
    expect(await d.decide(grant.user_code, account.id, true)).to.equal(false);
    expect(await d.codeState(grant.user_code)).to.equal("approved");
    expect((await d.poll(grant.device_code)).ok).to.equal(true);
    expect(await d.codeState(grant.user_code)).to.equal("consumed");
  });

  it("normalizes typed user codes", () => {
    expect(normalizeUserCode(" bcdf ghjk ")).to.equal("BCDF-GHJK");
  });

  describe("limits on unauthenticated code creation", () => {
    const limited = (perIpPerMinute: number, maxPending: number) =>
      createDeviceAuthorization(pool(), {
        verificationUri: () => "http://c/device",
        expiresInS: 600,
        intervalS: 0,
        perIpPerMinute,
        maxPending,
      });
    const refusal = async (start: Promise<unknown>): Promise<ConnectError> => {
      const err = await start.then(
        () => expect.fail("the code was granted"),
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ConnectError);
      return err as ConnectError;
    };

    it("refuses an address past its per-minute rate, with a retry-after, even when concurrent", async () => {
      const d = limited(3, 10_000);
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => d.start("flood", "198.51.100.7")),
      );
      expect(results.filter((r) => r.status === "fulfilled")).to.have.length(3);
      const err = await refusal(d.start("flood", "198.51.100.7"));
      expect(err.code).to.equal(Code.ResourceExhausted);
      const retryAfter = Number(err.metadata.get("retry-after"));
      expect(retryAfter).to.be.within(1, 60);
      // another address is not affected
      expect((await d.start("other", "198.51.100.8")).user_code).to.be.a("string");
    });

    it("caps the pending codes of all addresses together", async () => {
      await pool().query(sql.unsafe`UPDATE device_codes SET status = 'consumed'`);
      const d = limited(100, 2);
      await d.start("a", "203.0.113.1");
      await d.start("b", "203.0.113.2");
      const err = await refusal(d.start("c", "203.0.113.3"));
      expect(err.code).to.equal(Code.ResourceExhausted);
      expect(err.rawMessage).to.match(/pending/);
    });

    it("deletes codes an hour past their expiry as new ones are started", async () => {
      await pool().query(
        sql.unsafe`UPDATE device_codes SET expires_at = now() - interval '2 hours', status = 'consumed'`,
      );
      await limited(100, 100).start("fresh", "192.0.2.1");
      const left = await pool().oneFirst(
        sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM device_codes`,
      );
      expect(left).to.equal(1);
    });
  });
});
