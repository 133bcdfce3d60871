import { allows, type Scope } from "@darkbloom/auth";
import type { Principal } from "@darkbloom/edge";

/**
 * For routes outside the edge (device approval, MDM enrollment): a key without the scope is
 * treated as no key, so those routes answer their own 401.
 */
export function withScope(
  authenticate: (key: string) => Promise<Principal | null>,
  scope: Scope,
): (key: string) => Promise<Principal | null> {
  return async (key) => {
    const principal = await authenticate(key);
    return principal !== null && allows(principal, scope) ? principal : null;
  };
}
