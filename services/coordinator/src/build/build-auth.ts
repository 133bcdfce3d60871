// Auth: API keys and console sessions (who a request is), per-key limits, provider tokens from
// the device-code login, and the auth HTTP routes (console sign-in, device code).
import {
  ApiKeyVerifier,
  ProviderTokenCache,
  createAuthenticator,
  createDeviceAuthorization,
  createDeviceRoutes,
  createKeyLimitsService,
  type SessionRequest,
} from "@darkbloom/auth";
import type { Client } from "@connectrpc/connect";
import type { Principal } from "@darkbloom/edge";
import type { HttpRoute } from "@darkbloom/http-body";
import type { LedgerService } from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import type { CoordinatorConfig } from "../config.js";
import { createConsoleAuth } from "../console-auth-wiring.js";
import type { Database } from "../database.js";
import { jwtSessionOptions } from "../money-wiring.js";
import { withScope } from "../scoped-authenticate.js";

export interface AuthSettings {
  readonly jwt: CoordinatorConfig["jwt"];
  readonly consoleAuth: CoordinatorConfig["consoleAuth"];
  readonly deviceCode: CoordinatorConfig["deviceCode"];
}

export async function buildAuth(
  db: Database,
  settings: AuthSettings,
  /** This coordinator's URL, known once it listens. */
  selfUrl: () => string,
  log: Logger,
) {
  const apiKeys = new ApiKeyVerifier(db.pool, {
    databaseUrl: db.url,
    onError: (err) =>
      log.warn("api key change feed or last-used stamp failed", { error: String(err) }),
  });
  await apiKeys.start();
  const authenticateToken = createAuthenticator(db.pool, {
    jwt: jwtSessionOptions(settings.jwt),
    apiKeys,
  });
  const authenticate = async (key: string): Promise<Principal | null> => authenticateToken(key);
  // console sign-in: cookie sessions (checked by the edge and the Connect interceptor), /v1/auth/*
  const consoleAuth = createConsoleAuth(db.pool, settings.consoleAuth, selfUrl, log);
  // provider tokens (device-code login): checked at registration before attestation
  const providerTokens = new ProviderTokenCache(db.pool, 5_000, (err) =>
    log.warn("provider token refresh failed", { error: String(err) }),
  );
  await providerTokens.start();
  return {
    apiKeys,
    authenticate,
    sessions: (r: SessionRequest) => consoleAuth.sessions.check(r),
    keyLimitsImpl: createKeyLimitsService(db.pool),
    providerTokens,
    /** Console sign-in and device code; `ledger` shows an operator its provider earnings. */
    routes(ledger: Client<typeof LedgerService>): HttpRoute[] {
      const device = createDeviceRoutes({
        device: createDeviceAuthorization(db.pool, {
          ...settings.deviceCode,
          verificationUri: () => settings.deviceCode.verificationUri || `${selfUrl()}/device`,
        }),
        authenticate: withScope(authenticate, "account:write"),
        session: (req) => consoleAuth.account(req, "account:write"),
        // the operator's earnings (settlements credit provider:<account> for token-linked providers)
        balanceMicroUsd: async (accountId) =>
          (await ledger.getBalance({ accountId: `provider:${accountId}` })).balanceMicroUsd,
        onTokenMinted: () => void providerTokens.refresh().catch(() => undefined),
      });
      return [...consoleAuth.routes, ...device];
    },
  };
}
