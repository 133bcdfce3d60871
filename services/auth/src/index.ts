// The whole public surface of @darkbloom/auth.
export {
  authenticateApiKey,
  createAccount,
  createApiKey,
  apiKeyIdOf,
  ensureBootstrapKey,
  revokeApiKey,
  sessionKeyId,
  type Account,
  type AuthenticateOptions,
  type BootstrapKey,
  type CreatedApiKey,
  type Principal,
} from "./service.js";
export type { Role } from "./store.js";
export {
  SCOPES,
  DEFAULT_KEY_SCOPES,
  allows,
  knownScopes,
  scopeSchema,
  scopesOfRole,
  type Scope,
} from "./scopes.js";
export { roleSchema } from "./store.js";
export { authMigrations, migrateAuth } from "./migrations.js";
export { listApiKeys, findApiKey, setKeyLimits, NO_LIMITS, type ApiKeyInfo } from "./api-keys.js";
// Per-key limits are reached through the KeyLimitsService (proto/darkbloom/v1/auth.proto).
export type { BudgetPeriod, KeyLimits } from "./key-limits.js";
export { createKeyLimitsService } from "./key-limits-service.js";
export { keyLimitsHousekeeping, type KeyLimitsHousekeeping } from "./key-limits-housekeeping.js";
export {
  createSessionVerifier,
  type JwtSessionOptions,
  type SessionVerifier,
} from "./jwt-session.js";
export { createAuthenticator, type AuthenticatorOptions } from "./authenticator.js";
export { ApiKeyVerifier, type ApiKeyVerifierOptions } from "./api-key-verifier.js";
export { findAccountById, listAccounts } from "./accounts.js";
export {
  createDeviceAuthorization,
  createDeviceRoutes,
  deviceCodeMigrations,
  ProviderTokenCache,
  type TokenAdmission,
  type DeviceAuthorization,
  type DeviceCodeOptions,
} from "./device-code/index.js";
export {
  consoleSessionMigrations,
  createConsoleSessions,
  pruneSessions,
  type ConsoleSessions,
  type SessionCheck,
  type SessionRequest,
} from "./console-session/index.js";
export {
  createAuthRoutes,
  csrfHeader,
  SignUpRefused,
  type OidcSettings,
  type SignUpHook,
} from "./oidc/index.js";
