// Console sessions: JWTs from a configured issuer (HS256 shared secret and/or ES256 public key),
// accepted wherever an API key is. The subject is the Darkbloom account id.
import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import { errors, jwtVerify, type JWTHeaderParameters } from "jose";
import type { DbConnection } from "@darkbloom/db";
import { findAccount } from "./store.js";
import { scopesOfRole } from "./scopes.js";
import { sessionKeyId, type Principal } from "./service.js";

export type JwtSessionOptions = {
  readonly issuer: string;
  readonly audience: string;
  /** Shared secret for HS256 (at least 32 bytes). */
  readonly hs256Secret?: string;
  /** SPKI PEM of the issuer's P-256 key for ES256. */
  readonly es256PublicKeyPem?: string;
  /** Default 30 s. */
  readonly clockToleranceSeconds?: number;
};

export type SessionVerifier = (token: string) => Promise<Principal | null>;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

/**
 * A verifier for session tokens: signature (only the configured algorithms), issuer, audience,
 * expiry; then the subject must be an existing account, whose role the principal carries.
 * Invalid tokens give null; the key id of a session principal is `session:<jti or sub>`.
 */
export function createSessionVerifier(
  connection: DbConnection,
  options: JwtSessionOptions,
): SessionVerifier {
  const keys = new Map<string, KeyObject>();
  if (options.hs256Secret !== undefined) {
    if (Buffer.byteLength(options.hs256Secret) < 32) {
      throw new RangeError("the HS256 session secret must be at least 32 bytes");
    }
    keys.set("HS256", createSecretKey(Buffer.from(options.hs256Secret, "utf8")));
  }
  if (options.es256PublicKeyPem !== undefined) {
    const key = createPublicKey(options.es256PublicKeyPem);
    if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
      throw new RangeError("the ES256 session key must be a P-256 public key");
    }
    keys.set("ES256", key);
  }
  if (keys.size === 0)
    throw new RangeError("a JWT session issuer needs an HS256 secret or an ES256 key");
  const keyFor = (header: JWTHeaderParameters): KeyObject => {
    const key = keys.get(header.alg);
    if (key === undefined) throw new errors.JOSEAlgNotAllowed(`alg ${header.alg} is not accepted`);
    return key;
  };
  return async (token) => {
    if (!looksLikeJwt(token)) return null;
    let subject: string | undefined;
    let tokenId: string | undefined;
    try {
      const { payload } = await jwtVerify(token, keyFor, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: [...keys.keys()],
        clockTolerance: options.clockToleranceSeconds ?? 30,
        requiredClaims: ["exp", "sub"],
      });
      subject = payload.sub;
      tokenId = payload.jti;
    } catch (error) {
      if (error instanceof errors.JOSEError) return null;
      throw error;
    }
    if (subject === undefined || !UUID.test(subject)) return null;
    const account = await findAccount(connection, subject);
    if (account === null) return null;
    // a signed-in person may do everything their account's role allows
    return {
      accountId: account.id,
      keyId: sessionKeyId(tokenId ?? subject),
      role: account.role,
      scopes: scopesOfRole(account.role),
    };
  };
}
