// What an API key may do (docs/api.md, "Key scopes"). Every route and admin RPC names the one
// scope it needs; a key without it gets 403, whatever its account's role.
import { z } from "zod";
import type { Role } from "./store.js";

export const SCOPES = ["inference", "account:read", "account:write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];
export const scopeSchema = z.enum(SCOPES);

/** A key created without `scopes`: the inference API only (least privilege). */
export const DEFAULT_KEY_SCOPES: readonly Scope[] = ["inference"];

/** Everything an account of this role may do; `admin` only for admin accounts. */
export function scopesOfRole(role: Role): readonly Scope[] {
  return role === "admin" ? SCOPES : SCOPES.filter((scope) => scope !== "admin");
}

/** Stored scopes as the enforcement sees them: unknown names grant nothing. */
export function knownScopes(stored: readonly string[]): readonly Scope[] {
  return SCOPES.filter((scope) => stored.includes(scope));
}

/** Whether a caller may use `scope`: the key holds it and, for `admin`, the account is an admin. */
export function allows(
  principal: { readonly role: string; readonly scopes: readonly string[] },
  scope: Scope,
): boolean {
  return principal.scopes.includes(scope) && (scope !== "admin" || principal.role === "admin");
}
