import { fileURLToPath } from "node:url";
import type { DatabasePool, MigrationSource } from "@darkbloom/db";
import {
  hashSecret,
  newDeviceCode,
  newProviderToken,
  newUserCode,
  normalizeUserCode,
} from "./device-code-format.js";
import {
  decideUserCode,
  findProviderToken,
  insertDeviceCode,
  insertProviderToken,
  markConsumed,
  pollDeviceCode,
  revokeProviderToken,
} from "./device-code-store.js";

export const deviceCodeMigrations: MigrationSource = {
  service: "auth-device-code",
  directory: fileURLToPath(new URL("./migrations", import.meta.url)),
};

export interface DeviceCodeOptions {
  /** Where a person approves codes (the console page); shown to the provider operator. */
  verificationUri: () => string;
  /** Default 900 s (RFC 8628 example). */
  expiresInS: number;
  /** Minimum polling interval; default 5 s (RFC 8628 §3.5). */
  intervalS: number;
}

export interface DeviceCodeGrant {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** RFC 8628 §3.5 error codes, plus RFC 6749's invalid_grant for unknown codes. */
export type TokenError =
  "authorization_pending" | "slow_down" | "expired_token" | "access_denied" | "invalid_grant";

export type TokenResult =
  { ok: true; token: string; accountId: string } | { ok: false; error: TokenError };

/** The device authorization flow that links a provider machine to an account. */
export function createDeviceAuthorization(pool: DatabasePool, options: DeviceCodeOptions) {
  return {
    async start(clientId: string): Promise<DeviceCodeGrant> {
      const deviceCode = newDeviceCode();
      for (;;) {
        const userCode = newUserCode();
        try {
          await insertDeviceCode(pool, {
            deviceCodeHash: hashSecret(deviceCode),
            userCode,
            clientId,
            intervalS: options.intervalS,
            expiresInS: options.expiresInS,
          });
        } catch (err) {
          if (/user_code/.test(String(err))) continue; // collision on the unique user code: draw again
          throw err;
        }
        const complete = new URL(options.verificationUri());
        complete.searchParams.set("user_code", userCode);
        return {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: options.verificationUri(),
          verification_uri_complete: complete.toString(),
          expires_in: options.expiresInS,
          interval: options.intervalS,
        };
      }
    },

    /** One poll of the token endpoint; mints the provider token once, on the first poll after approval. */
    async poll(deviceCode: string): Promise<TokenResult> {
      const hash = hashSecret(deviceCode);
      return pool.transaction(async (tx): Promise<TokenResult> => {
        const row = await pollDeviceCode(tx, hash);
        if (!row || row.status === "consumed") return { ok: false, error: "invalid_grant" };
        if (row.expired) return { ok: false, error: "expired_token" };
        if (row.status === "denied") return { ok: false, error: "access_denied" };
        if (row.polled_too_soon) return { ok: false, error: "slow_down" };
        if (row.status === "pending" || !row.account_id)
          return { ok: false, error: "authorization_pending" };
        const token = newProviderToken();
        await insertProviderToken(tx, {
          accountId: row.account_id,
          hash: hashSecret(token),
          clientId: row.client_id,
        });
        await markConsumed(tx, hash);
        return { ok: true, token, accountId: row.account_id };
      });
    },

    /** A logged-in account approves (or denies) the code shown on the provider's screen. */
    async decide(userCode: string, accountId: string, approve: boolean): Promise<boolean> {
      return decideUserCode(pool, normalizeUserCode(userCode), accountId, approve);
    },

    /** The account a provider token belongs to, or null. */
    async authenticateProviderToken(token: string): Promise<string | null> {
      if (!token) return null;
      return findProviderToken(pool, hashSecret(token));
    },
    /** `darkbloom logout`: the token stops admitting registrations; false if it was not live. */
    async revokeProviderToken(token: string): Promise<boolean> {
      if (!token) return false;
      return revokeProviderToken(pool, hashSecret(token));
    },
  };
}
export type DeviceAuthorization = ReturnType<typeof createDeviceAuthorization>;
