// The secrets of a console session: the cookie's random token (only its SHA-256 is stored) and
// the CSRF token derived from it (HMAC, so it needs no storage and is useless without the cookie).
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const TOKEN_PREFIX = "dbs_";
const TOKEN_SHAPE = /^dbs_[A-Za-z0-9_-]{43}$/;

export function newSessionToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function isWellFormedSessionToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

export function hashSessionToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** The token the console sends as `x-csrf-token` on state-changing calls. */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac("sha256", sessionToken).update("darkbloom console csrf v1").digest("base64url");
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(sessionToken: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenOf(sessionToken));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
