// Console sign-in wiring: cookie sessions for every surface the console calls (edge routes,
// Connect services), and the /v1/auth/* routes with OpenID Connect when an issuer is configured.
// A sign-up redeems its invite and records its referral through the ledger, in the sign-up's
// own transaction.
import type { IncomingMessage } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  SignUpRefused,
  allows,
  createAuthRoutes,
  csrfHeader,
  type Scope,
  createConsoleSessions,
  type ConsoleSessions,
  type SignUpHook,
} from "@darkbloom/auth";
import type { DbConnection } from "@darkbloom/db";
import type { HttpRoute } from "@darkbloom/http-body";
import { applyReferralCode, redeemInvite } from "@darkbloom/ledger";
import type { Logger } from "@darkbloom/telemetry";
import type { CoordinatorConfig } from "./config.js";
import { CONSOLE_PATH } from "./console-static.js";

export interface ConsoleAuth {
  readonly sessions: ConsoleSessions;
  /** `/v1/auth/*`, for the front door's route table. */
  readonly routes: HttpRoute[];
  /** The session of a request outside the edge (device approval), with `scope`. */
  account(req: IncomingMessage, scope: Scope): Promise<{ accountId: string } | "csrf" | null>;
}

export function createConsoleAuth(
  pool: DbConnection,
  config: CoordinatorConfig["consoleAuth"],
  /** This coordinator's URL, known once it listens (the default redirect URI). */
  url: () => string,
  log: Logger,
): ConsoleAuth {
  const sessions = createConsoleSessions(pool, {
    secure: config.secureCookies,
    ttlMs: config.sessionTtlMs,
  });
  const oidc = config.oidc;
  const routes = createAuthRoutes({
    pool,
    sessions,
    consolePath: CONSOLE_PATH,
    onRefused: (reason, error) =>
      log.info("console sign-in refused", { reason, error: String(error) }),
    oidc:
      oidc === undefined
        ? undefined
        : {
            issuer: oidc.issuer,
            clientId: oidc.clientId,
            clientSecret: oidc.clientSecret,
            get redirectUri() {
              return oidc.redirectUri || `${url()}/v1/auth/oidc/callback`;
            },
            scopes: oidc.scopes,
            requireInvite: config.requireInvite,
            onSignUp: redeemSignUpCodes,
          },
  });
  return {
    sessions,
    routes,
    async account(req, scope) {
      const check = await sessions.check({
        method: req.method ?? "POST",
        cookie: req.headers.cookie,
        csrfToken: csrfHeader(req),
      });
      if (check.kind === "csrf") return "csrf";
      return check.kind === "ok" && allows(check.principal, scope) ? check.principal : null;
    },
  };
}

const redeemSignUpCodes: SignUpHook = async (tx, accountId, codes) => {
  if (codes.inviteCode !== undefined) {
    const invite = codes.inviteCode;
    await redeemInvite(tx, invite, accountId).catch((error: unknown) => {
      const code = ConnectError.from(error).code;
      if (code === Code.NotFound)
        throw new SignUpRefused("invite_invalid", `invite ${invite} not found`, { cause: error });
      if (code === Code.ResourceExhausted)
        throw new SignUpRefused("invite_used_up", `invite ${invite} used up`, { cause: error });
      throw error;
    });
  }
  if (codes.referralCode !== undefined) {
    const referral = codes.referralCode;
    await applyReferralCode(tx, accountId, referral).catch((error: unknown) => {
      if (ConnectError.from(error).code === Code.NotFound)
        throw new SignUpRefused("referral_invalid", `referral ${referral} not found`, {
          cause: error,
        });
      throw error;
    });
  }
};
