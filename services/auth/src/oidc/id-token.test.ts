import { expect } from "chai";
import {
  SignJWT,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
} from "jose";
import { IdTokenRefused, verifyIdToken } from "./id-token.js";

const ISSUER = "https://issuer.example";
const CLIENT = "darkbloom-console";
const NONCE = "nonce-of-this-login";

describe("verifyIdToken", () => {
  let key: CryptoKey;
  let otherKey: CryptoKey;
  let jwks: JSONWebKeySet;

  before(async () => {
    const pair = await generateKeyPair("RS256", { extractable: true });
    key = pair.privateKey;
    otherKey = (await generateKeyPair("RS256")).privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256" }] };
  });

  const sign = (claims: JWTPayload = {}, signer: CryptoKey = key, kid = "k1") => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: ISSUER,
      aud: CLIENT,
      sub: "user-1",
      iat: now,
      exp: now + 300,
      nonce: NONCE,
      email: "ada@example.com",
      name: "Ada",
      ...claims,
    })
      .setProtectedHeader({ alg: "RS256", kid })
      .sign(signer);
  };
  const verify = (token: string) =>
    verifyIdToken(token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      clientId: CLIENT,
      nonce: NONCE,
    });
  const refusal = async (token: string): Promise<IdTokenRefused> => {
    try {
      await verify(token);
    } catch (error) {
      expect(error).to.be.instanceOf(IdTokenRefused);
      return error as IdTokenRefused;
    }
    throw new Error("the token was accepted");
  };

  it("accepts the issuer's token for this client and nonce and returns its claims", async () => {
    expect(await verify(await sign())).to.deep.equal({
      subject: "user-1",
      email: "ada@example.com",
      name: "Ada",
    });
  });

  it("refuses a token from another issuer", async () => {
    const r = await refusal(await sign({ iss: "https://evil.example" }));
    expect(r.reason).to.equal("claims");
    expect(r.message).to.contain("iss");
  });

  it("refuses a token for another audience", async () => {
    const r = await refusal(await sign({ aud: "someone-else" }));
    expect(r.reason).to.equal("claims");
    expect(r.message).to.contain("aud");
  });

  it("refuses several audiences unless azp names this client", async () => {
    expect((await refusal(await sign({ aud: [CLIENT, "other"] }))).reason).to.equal("claims");
    expect((await verify(await sign({ aud: [CLIENT, "other"], azp: CLIENT }))).subject).to.equal(
      "user-1",
    );
  });

  it("refuses an expired token (beyond the clock tolerance)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await refusal(await sign({ iat: now - 3600, exp: now - 120 }));
    expect(r.reason).to.equal("expired");
  });

  it("refuses a token signed by another key under the issuer's key id", async () => {
    expect((await refusal(await sign({}, otherKey))).reason).to.equal("signature");
  });

  it("refuses a token whose payload was altered after signing", async () => {
    const [header, , signature] = (await sign()).split(".");
    const forged = Buffer.from(
      JSON.stringify({ iss: ISSUER, aud: CLIENT, sub: "admin", nonce: NONCE, iat: 1, exp: 9e9 }),
    ).toString("base64url");
    expect((await refusal(`${header}.${forged}.${signature}`)).reason).to.equal("signature");
  });

  it("refuses an unsigned (alg none) or HMAC token", async () => {
    const body = Buffer.from(
      JSON.stringify({ iss: ISSUER, aud: CLIENT, sub: "u", nonce: NONCE, iat: 1, exp: 9e9 }),
    ).toString("base64url");
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${body}.`;
    expect((await refusal(none)).reason).to.be.oneOf(["signature", "malformed"]);
    const hmac = await new SignJWT({ nonce: NONCE })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(CLIENT)
      .setSubject("u")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("x".repeat(32)));
    expect((await refusal(hmac)).reason).to.equal("signature");
  });

  it("refuses a token of another login (nonce)", async () => {
    expect((await refusal(await sign({ nonce: "replayed" }))).reason).to.equal("nonce");
  });
});
