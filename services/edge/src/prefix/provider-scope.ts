import { createHash, createHmac } from "node:crypto";

/**
 * What providers see instead of an account id: a keyed pseudonym that scopes their per-account
 * caches but cannot be linked back to the account without the coordinator's secret.
 */
export function providerScope(secret: Uint8Array | undefined, accountId: string): string {
  const mac = secret
    ? createHmac("sha256", secret).update(`darkbloom-scope-v1\0${accountId}`)
    : createHash("sha256").update(`darkbloom-scope-v1\0${accountId}`);
  return `scope_${mac.digest("hex").slice(0, 32)}`;
}
