import { generateKeyPairSync } from "node:crypto";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { SignJWT } from "jose";
import { createAuthenticator } from "./authenticator.js";
import { authMigrations } from "./migrations.js";
import { createAccount, createApiKey } from "./service.js";

const SECRET = "a-session-secret-of-at-least-32-bytes!";

describe("session JWTs as an alternative to API keys", () => {
  let db: TestDatabase | undefined;
  const es = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pemOf = (key: typeof es.publicKey): string =>
    key.export({ type: "spki", format: "pem" }).toString();
  before(async () => {
    db = await startTestDatabase({ migrations: [authMigrations] });
  });
  after(async () => {
    await db?.stop();
  });
  const authenticate = () => {
    if (db === undefined) throw new Error("before hook did not run");
    return createAuthenticator(db.pool, {
      jwt: {
        issuer: "https://id.example",
        audience: "darkbloom",
        hs256Secret: SECRET,
        es256PublicKeyPem: pemOf(es.publicKey),
      },
    });
  };
  const token = (sub: string, overrides: { iss?: string; aud?: string; exp?: string } = {}) =>
    new SignJWT({})
      .setSubject(sub)
      .setIssuer(overrides.iss ?? "https://id.example")
      .setAudience(overrides.aud ?? "darkbloom")
      .setIssuedAt()
      .setExpirationTime(overrides.exp ?? "10m");

  it("accepts HS256 and ES256 tokens of the configured issuer for an existing account, with its role", async () => {
    if (db === undefined) throw new Error("before hook did not run");
    const account = await createAccount(db.pool, "console user", "provider");
    const hs = await token(account.id)
      .setProtectedHeader({ alg: "HS256" })
      .sign(Buffer.from(SECRET));
    const es256 = await token(account.id)
      .setJti("t-1")
      .setProtectedHeader({ alg: "ES256" })
      .sign(es.privateKey);
    expect(await authenticate()(hs)).to.deep.equal({
      accountId: account.id,
      keyId: `session:${account.id}`,
      role: "provider",
      scopes: ["inference", "account:read", "account:write"],
    });
    expect(await authenticate()(es256)).to.deep.equal({
      accountId: account.id,
      keyId: "session:t-1",
      role: "provider",
      scopes: ["inference", "account:read", "account:write"],
    });
    // API keys keep working next to sessions.
    const key = await createApiKey(db.pool, account.id, "cli");
    expect((await authenticate()(key.key))?.keyId).to.equal(key.id);
  });

  it("refuses wrong signatures, other issuers or audiences, expired tokens, unknown subjects and alg none", async () => {
    if (db === undefined) throw new Error("before hook did not run");
    const account = await createAccount(db.pool, "someone", "consumer");
    const refused = [
      await token(account.id)
        .setProtectedHeader({ alg: "HS256" })
        .sign(Buffer.from("x".repeat(40))),
      await token(account.id).setProtectedHeader({ alg: "ES256" }).sign(other.privateKey),
      await token(account.id, { iss: "https://evil.example" })
        .setProtectedHeader({ alg: "HS256" })
        .sign(Buffer.from(SECRET)),
      await token(account.id, { aud: "someone-else" })
        .setProtectedHeader({ alg: "HS256" })
        .sign(Buffer.from(SECRET)),
      await token(account.id, { exp: "-5m" })
        .setProtectedHeader({ alg: "HS256" })
        .sign(Buffer.from(SECRET)),
      await token("00000000-0000-4000-8000-000000000000")
        .setProtectedHeader({ alg: "HS256" })
        .sign(Buffer.from(SECRET)),
      `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: account.id, iss: "https://id.example", aud: "darkbloom", exp: 9e9 })).toString("base64url")}.x`,
    ];
    for (const jwt of refused) expect(await authenticate()(jwt)).to.equal(null);
  });
});
