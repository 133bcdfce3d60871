// Server-side console sessions behind an HttpOnly cookie (docs/console.md, "Sessions and CSRF"):
// issued after an OpenID Connect sign-in, checked on every call the console makes, revoked by
// sign-out. A state-changing call must also carry the session's CSRF token as `x-csrf-token`.
import type { DbConnection } from "@darkbloom/db";
import { scopesOfRole } from "../scopes.js";
import { sessionKeyId, type Principal } from "../service.js";
import type { Role } from "../store.js";
import {
  loginCookieName,
  parseCookies,
  serializeCookie,
  sessionCookieName,
  type CookieSettings,
} from "./cookies.js";
import { findLiveSession, insertSession, pruneSessions, revokeSession } from "./session-store.js";
import {
  csrfMatches,
  csrfTokenOf,
  hashSessionToken,
  isWellFormedSessionToken,
  newSessionToken,
} from "./session-token.js";

export interface ConsoleSessionOptions extends CookieSettings {
  /** A session ends this long after sign-in, whatever its use. */
  readonly ttlMs: number;
}

/** What a request's cookie and CSRF header amount to. */
export type SessionCheck =
  | { readonly kind: "none" }
  | {
      readonly kind: "ok";
      readonly principal: Principal;
      readonly name: string;
      readonly csrfToken: string;
      readonly expiresAtMs: number;
    }
  /** A cookie that names no live session: forged, expired or signed out. */
  | { readonly kind: "invalid" }
  /** A state-changing call without the session's CSRF token. */
  | { readonly kind: "csrf" };

export interface SessionRequest {
  readonly method: string;
  readonly cookie: string | undefined;
  readonly csrfToken: string | undefined;
}

export interface IssuedSession {
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAtMs: number;
  /** The `Set-Cookie` value carrying the session. */
  readonly setCookie: string;
}

export interface ConsoleSessions {
  readonly cookies: CookieSettings;
  /**
   * A new session (a new secret, so a new id) for `accountId`. The session named by `replacing`
   * (the browser's current cookie, if any) is revoked first: a sign-in never
   * keeps a session id the browser held before it (no session fixation).
   */
  issue(connection: DbConnection, accountId: string, replacing?: string): Promise<IssuedSession>;
  check(request: SessionRequest): Promise<SessionCheck>;
  /** Revokes the request's session (sign-out); false when it was not live. */
  revoke(cookie: string | undefined): Promise<boolean>;
  /** The `Set-Cookie` value that removes the session cookie from the browser. */
  clearCookie(): string;
  /** The session token in a `Cookie` header, if any. */
  tokenOf(cookie: string | undefined): string | undefined;
}

/** GET, HEAD and OPTIONS change nothing; every other method needs the CSRF token. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

export function createConsoleSessions(
  pool: DbConnection,
  options: ConsoleSessionOptions,
): ConsoleSessions {
  const cookies: CookieSettings = { secure: options.secure };
  const name = sessionCookieName(cookies);
  const tokenOf = (cookie: string | undefined): string | undefined =>
    parseCookies(cookie).get(name);
  return {
    cookies,
    tokenOf,
    async issue(connection, accountId, replacing) {
      const previous = tokenOf(replacing);
      if (previous !== undefined && isWellFormedSessionToken(previous))
        await revokeSession(connection, hashSessionToken(previous));
      const token = newSessionToken();
      const expiresAtMs = await insertSession(
        connection,
        hashSessionToken(token),
        accountId,
        options.ttlMs,
      );
      // sign-ins are rare: each one also clears sessions ended more than a day ago
      await pruneSessions(connection);
      return {
        token,
        csrfToken: csrfTokenOf(token),
        expiresAtMs,
        setCookie: serializeCookie(cookies, name, token, {
          maxAgeS: options.ttlMs / 1000,
          sameSite: "Strict",
        }),
      };
    },
    async check(request) {
      const token = tokenOf(request.cookie);
      if (token === undefined) return { kind: "none" };
      if (!isWellFormedSessionToken(token)) return { kind: "invalid" };
      // the CSRF check needs no database: a forged request is refused before any lookup
      if (!SAFE_METHODS.has(request.method.toUpperCase()) && !csrfMatches(token, request.csrfToken))
        return { kind: "csrf" };
      const row = await findLiveSession(pool, hashSessionToken(token));
      if (row === null) return { kind: "invalid" };
      return {
        kind: "ok",
        principal: principalOf(row.account_id, row.role, token),
        name: row.name,
        csrfToken: csrfTokenOf(token),
        expiresAtMs: row.expires_at,
      };
    },
    async revoke(cookie) {
      const token = tokenOf(cookie);
      if (token === undefined || !isWellFormedSessionToken(token)) return false;
      return revokeSession(pool, hashSessionToken(token));
    },
    clearCookie: () => serializeCookie(cookies, name, "", { maxAgeS: 0, sameSite: "Strict" }),
  };
}

function principalOf(accountId: string, role: Role, token: string): Principal {
  return {
    accountId,
    // never the secret: the first bytes of its hash name the session in logs
    keyId: sessionKeyId(hashSessionToken(token).subarray(0, 6).toString("hex")),
    role,
    // a signed-in person may do everything their account's role allows
    scopes: scopesOfRole(role),
  };
}

export { loginCookieName, parseCookies, serializeCookie };
