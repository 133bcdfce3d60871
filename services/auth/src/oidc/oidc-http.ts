// Console sign-in over HTTP/1.1 (docs/console.md, "Sign-in"):
//   GET  /v1/auth/config          what the sign-in page offers (public)
//   GET  /v1/auth/oidc/start      → 302 to the issuer (code flow + PKCE S256, state, nonce)
//   GET  /v1/auth/oidc/callback   ← the issuer; → 302 into the console with the session cookie
//   GET  /v1/auth/session         the signed-in account and its CSRF token
//   POST /v1/auth/sign-out        revokes the session (CSRF token required)
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DbConnection } from "@darkbloom/db";
import type { HttpCall, HttpMethod, HttpRoute } from "@darkbloom/http-body";
import {
  loginCookieName,
  parseCookies,
  serializeCookie,
  type ConsoleSessions,
} from "../console-session/console-sessions.js";
import { verifyIdToken, IdTokenRefused } from "./id-token.js";
import { issuerMetadata, IssuerUnavailable } from "./oidc-issuer.js";
import { codeChallengeOf, hashState, newLoginSecrets } from "./pkce.js";
import { saveLogin, takeLogin } from "./login-store.js";
import { exchangeCode } from "./token-exchange.js";
import { signInOrUp, SignUpRefused, type SignUpHook } from "./sign-up.js";

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  /** Empty: a public client (PKCE only). */
  readonly clientSecret: string;
  /** This coordinator's `/v1/auth/oidc/callback` as the issuer knows it. */
  readonly redirectUri: string;
  readonly scopes: string;
  readonly requireInvite: boolean;
  readonly onSignUp: SignUpHook;
}

export interface AuthHttpDeps {
  readonly pool: DbConnection;
  readonly sessions: ConsoleSessions;
  /** Absent: OpenID Connect sign-in is off (API keys only). */
  readonly oidc: OidcSettings | undefined;
  /** Where the console is served (`/console`). */
  readonly consolePath: string;
  /** A sign-in refused or failed: for the log, never shown to the person in detail. */
  onRefused(reason: string, error: unknown): void;
}

const LOGIN_TTL_MS = 10 * 60_000;
/** Logins in flight for everyone together (the start route is unauthenticated). */
const MAX_PENDING_LOGINS = 10_000;
const CODE = /^[A-Za-z0-9_-]{4,64}$/;
/** A path inside the console, never another origin (`//host`, `/\host`). */
const RETURN_TO = /^\/(?![/\\])[^\s\\]{0,500}$/;

/** The console sign-in routes above, for the front door's route table. */
export function createAuthRoutes(deps: AuthHttpDeps): HttpRoute[] {
  // resolved on first use, only when OpenID Connect is configured
  const metadata = issuerMetadata(deps.oidc?.issuer ?? "");
  const loginCookie = loginCookieName(deps.sessions.cookies);
  const clearLogin = serializeCookie(deps.sessions.cookies, loginCookie, "", {
    maxAgeS: 0,
    sameSite: "Lax",
  });
  const toConsole = (res: ServerResponse, path: string, cookies: string[]): void => {
    res.writeHead(302, {
      location: `${deps.consolePath}${path}`,
      "set-cookie": cookies,
      "cache-control": "no-store",
    });
    res.end();
  };
  const refuse = (res: ServerResponse, code: string, error: unknown): void => {
    deps.onRefused(code, error);
    toConsole(res, `/sign-in?error=${code}`, [clearLogin]);
  };

  async function start(url: URL, res: ServerResponse, oidc: OidcSettings): Promise<void> {
    const param = (name: string): string | undefined => url.searchParams.get(name) || undefined;
    const next = param("next") ?? "/";
    const invite = param("invite")?.trim();
    const referral = param("referral")?.trim();
    if (!RETURN_TO.test(next)) return refuse(res, "bad_request", "next is not a console path");
    if ((invite && !CODE.test(invite)) || (referral && !CODE.test(referral)))
      return refuse(res, "code_malformed", "invite or referral code malformed");
    const issuer = await metadata();
    const secrets = newLoginSecrets();
    const saved = await saveLogin(
      deps.pool,
      hashState(secrets.state),
      {
        codeVerifier: secrets.codeVerifier,
        nonce: secrets.nonce,
        inviteCode: invite,
        referralCode: referral,
        returnTo: next,
      },
      LOGIN_TTL_MS,
      MAX_PENDING_LOGINS,
    );
    if (!saved) return refuse(res, "busy", "too many logins in flight");
    const authorize = new URL(issuer.authorizationEndpoint);
    for (const [k, v] of Object.entries({
      response_type: "code",
      client_id: oidc.clientId,
      redirect_uri: oidc.redirectUri,
      scope: oidc.scopes,
      state: secrets.state,
      nonce: secrets.nonce,
      code_challenge: codeChallengeOf(secrets.codeVerifier),
      code_challenge_method: "S256",
    }))
      authorize.searchParams.set(k, v);
    res.writeHead(302, {
      location: authorize.toString(),
      "set-cookie": serializeCookie(deps.sessions.cookies, loginCookie, secrets.state, {
        maxAgeS: LOGIN_TTL_MS / 1000,
        sameSite: "Lax",
      }),
      "cache-control": "no-store",
    });
    res.end();
  }

  async function callback(
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
    oidc: OidcSettings,
  ): Promise<void> {
    const state = url.searchParams.get("state") ?? "";
    // the login must come back to the browser that started it (no login CSRF)
    if (state === "" || parseCookies(req.headers.cookie).get(loginCookie) !== state)
      return refuse(res, "login_expired", "state does not match the login cookie");
    const login = await takeLogin(deps.pool, hashState(state));
    if (login === null) return refuse(res, "login_expired", "unknown, used or expired state");
    const code = url.searchParams.get("code");
    if (url.searchParams.has("error") || !code)
      return refuse(res, "denied", url.searchParams.get("error") ?? "no code");
    const issuer = await metadata();
    const idToken = await exchangeCode({
      tokenEndpoint: issuer.tokenEndpoint,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      redirectUri: oidc.redirectUri,
      code,
      codeVerifier: login.codeVerifier,
    });
    if (idToken === null) return refuse(res, "sign_in_failed", "the issuer refused the code");
    const claims = await verifyIdToken(idToken, issuer.keys, {
      issuer: issuer.issuer,
      clientId: oidc.clientId,
      nonce: login.nonce,
    });
    const { accountId } = await signInOrUp(
      deps.pool,
      { issuer: issuer.issuer, subject: claims.subject, email: claims.email, name: claims.name },
      { inviteCode: login.inviteCode, referralCode: login.referralCode },
      { requireInvite: oidc.requireInvite, onSignUp: oidc.onSignUp },
    );
    // rotation: the session cookie this browser came with (if any) ends here
    const session = await deps.sessions.issue(deps.pool, accountId, req.headers.cookie);
    toConsole(res, login.returnTo, [session.setCookie, clearLogin]);
  }

  async function serve({ req, res, url }: HttpCall): Promise<void> {
    const path = url.pathname;
    const method = req.method ?? "GET";
    switch (path) {
      case "/v1/auth/config":
        return sendJson(res, 200, {
          object: "auth_config",
          api_key: true,
          oidc: {
            enabled: deps.oidc !== undefined,
            invite_required: deps.oidc?.requireInvite ?? false,
          },
        });
      case "/v1/auth/oidc/start":
      case "/v1/auth/oidc/callback": {
        const oidc = deps.oidc;
        if (oidc === undefined)
          return sendError(
            res,
            404,
            "invalid_request_error",
            "oidc_disabled",
            "OpenID Connect sign-in is not configured",
          );
        try {
          return path === "/v1/auth/oidc/start"
            ? await start(url, res, oidc)
            : await callback(url, req, res, oidc);
        } catch (error) {
          if (error instanceof SignUpRefused) return refuse(res, error.code, error);
          if (error instanceof IdTokenRefused) return refuse(res, "sign_in_failed", error);
          if (error instanceof IssuerUnavailable) return refuse(res, "issuer_unavailable", error);
          throw error;
        }
      }
      case "/v1/auth/session": {
        const check = await deps.sessions.check({
          method,
          cookie: req.headers.cookie,
          csrfToken: undefined,
        });
        if (check.kind !== "ok")
          return sendError(res, 401, "authentication_error", "no_session", "not signed in");
        return sendJson(res, 200, {
          object: "session",
          account: { id: check.principal.accountId, name: check.name, role: check.principal.role },
          csrf_token: check.csrfToken,
          expires_at: Math.floor(check.expiresAtMs / 1000),
        });
      }
      default: {
        const check = await deps.sessions.check({
          method,
          cookie: req.headers.cookie,
          csrfToken: csrfHeader(req),
        });
        if (check.kind === "csrf")
          return sendError(
            res,
            403,
            "permission_error",
            "csrf_token_invalid",
            "send the session's x-csrf-token",
          );
        if (check.kind !== "ok" || !(await deps.sessions.revoke(req.headers.cookie)))
          return sendError(res, 401, "authentication_error", "no_session", "not signed in", [
            deps.sessions.clearCookie(),
          ]);
        res.setHeader("set-cookie", deps.sessions.clearCookie());
        return sendJson(res, 200, { object: "sign_out", signed_out: true });
      }
    }
  }

  const route = (path: string, methods: HttpMethod[]): HttpRoute => ({
    methods,
    path,
    routeClass: "none",
    handle: serve,
  });
  return [
    route("/v1/auth/config", ["GET", "HEAD"]),
    route("/v1/auth/oidc/start", ["GET", "HEAD"]),
    route("/v1/auth/oidc/callback", ["GET", "HEAD"]),
    route("/v1/auth/session", ["GET", "HEAD"]),
    route("/v1/auth/sign-out", ["POST"]),
  ];
}

export function csrfHeader(req: IncomingMessage): string | undefined {
  const value = req.headers["x-csrf-token"];
  return typeof value === "string" ? value : undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  code: string,
  message: string,
  cookies: string[] = [],
): void {
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  sendJson(res, status, { error: { message, type, param: null, code } });
}
