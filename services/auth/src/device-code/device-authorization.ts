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
  userCodeState,
} from "./device-code-store.js";
import { admitDeviceCode, type DeviceCodeLimits } from "./device-code-limits.js";

export const deviceCodeMigrations: MigrationSource = {
  service: "auth-device-code",
  directory: fileURLToPath(new URL("./migrations", import.meta.url)),
};

export interface DeviceCodeOptions extends Partial<DeviceCodeLimits> {
  /** Where a person approves codes (the console page); shown to the provider operator. */
  verificationUri: () => string;
  /** Default 900 s (RFC 8628 example). */
  expiresInS: number;
  /** Minimum polling interval; default 5 s (RFC 8628 §3.5). */
  intervalS: number;
}

/** Defaults of `perIpPerMinute` and `maxPending` (docs/configuration.md). */
export const DEFAULT_DEVICE_CODE_LIMITS: DeviceCodeLimits = {
  perIpPerMinute: 10,
  maxPending: 10_000,
};

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
  const limits: DeviceCodeLimits = {
    perIpPerMinute: options.perIpPerMinute ?? DEFAULT_DEVICE_CODE_LIMITS.perIpPerMinute,
    maxPending: options.maxPending ?? DEFAULT_DEVICE_CODE_LIMITS.maxPending,
  };
  return {
    /**
     * A new code for an unauthenticated client at `clientIp`; ResourceExhausted (with a
     * `retry-after`) beyond the per-address rate or the cap on pending codes.
     */
    async start(clientId: string, clientIp = ""): Promise<DeviceCodeGrant> {
      const deviceCode = newDeviceCode();
      const userCode = await pool.transaction(async (tx) => {
        await admitDeviceCode(tx, clientIp, limits);
        for (;;) {
          const drawn = newUserCode();
          try {
            // a savepoint: a collision on the unique user code rolls back only this insert
            await tx.transaction((inner) =>
              insertDeviceCode(inner, {
                deviceCodeHash: hashSecret(deviceCode),
                userCode: drawn,
                clientId,
                clientIp,
                intervalS: options.intervalS,
                expiresInS: options.expiresInS,
              }),
            );
            return drawn;
          } catch (err) {
            if (/user_code/.test(String(err))) continue; // collision: draw again
            throw err;
          }
        }
      });
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

    /**
     * Why a user code cannot be decided (or `pending` if it can): `unknown`, `expired`, or the
     * decision already taken (`approved`, `denied`, `consumed` once the token was collected).
     */
    async codeState(userCode: string) {
      return userCodeState(pool, normalizeUserCode(userCode));
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
