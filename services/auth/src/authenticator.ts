import type { DbConnection } from "@darkbloom/db";
import type { ApiKeyVerifier } from "./api-key-verifier.js";
import { createSessionVerifier, looksLikeJwt, type JwtSessionOptions } from "./jwt-session.js";
import { authenticateApiKey, type AuthenticateOptions, type Principal } from "./service.js";

export type AuthenticatorOptions = AuthenticateOptions & {
  /** Accept console session JWTs from this issuer as well as API keys. */
  readonly jwt?: JwtSessionOptions;
  /** Verify API keys from memory with changes pushed by Postgres; default: ask Postgres each time. */
  readonly apiKeys?: ApiKeyVerifier;
};

/** One bearer-token check for the edge and the admin API: API keys, then session JWTs. */
export function createAuthenticator(
  connection: DbConnection,
  options: AuthenticatorOptions = {},
): (token: string) => Promise<Principal | null> {
  const session =
    options.jwt === undefined ? undefined : createSessionVerifier(connection, options.jwt);
  return async (token) => {
    if (session !== undefined && looksLikeJwt(token)) return session(token);
    if (options.apiKeys !== undefined) return options.apiKeys.authenticate(token);
    return authenticateApiKey(connection, token, options);
  };
}
