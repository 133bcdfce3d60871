// The whole public surface of @darkbloom/auth.
export {
  authenticateApiKey,
  createAccount,
  createApiKey,
  ensureBootstrapKey,
  revokeApiKey,
  type Account,
  type AuthenticateOptions,
  type BootstrapKey,
  type CreatedApiKey,
  type Principal,
} from "./service.js";
export type { Role } from "./store.js";
export { authMigrations, migrateAuth } from "./migrations.js";
