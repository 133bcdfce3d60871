import { timingSafeEqual } from "node:crypto";
import { ConnectError, Code } from "@connectrpc/connect";
import { ForeignKeyIntegrityConstraintViolationError, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { generateApiKey, hashApiKey, isWellFormedApiKey } from "./api-key-format.js";
import { NO_LIMITS, validateLimits } from "./api-keys.js";
import type { KeyLimits } from "./key-limits.js";
import { SCOPES, knownScopes, type Scope } from "./scopes.js";
import {
  adminExists,
  insertAccount,
  insertApiKey,
  lockBootstrap,
  markRevoked,
  matchApiKey,
  type AccountRow,
  type Role,
} from "./store.js";

export type Account = {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAtMs: number;
};
/** `key` is the plaintext, returned this once and never stored. */
export type CreatedApiKey = { readonly id: string; readonly key: string; readonly prefix: string };
export type Principal = {
  readonly accountId: string;
  readonly keyId: string;
  readonly role: Role;
  /** What this key (or session) may do: docs/api.md, "Key scopes". */
  readonly scopes: readonly Scope[];
  /**
   * An API key: whether it has an RPM, TPM or budget limit when it was verified (a change to
   * them reaches every replica's key cache like a revocation). false: the money sequence skips
   * its admission and reservation. Absent: unknown (checked).
   */
  readonly limited?: boolean;
};
export type BootstrapKey = CreatedApiKey & { readonly accountId: string };

/** A session principal's keyId is `session:<id>` (JWT or console cookie); an API key's is its id. */
export function sessionKeyId(sessionId: string): string {
  return `session:${sessionId}`;
}

/** The API key a principal authenticated with, or null for a session. */
export function apiKeyIdOf(principal: Pick<Principal, "keyId">): string | null {
  return principal.keyId.startsWith("session:") ? null : principal.keyId;
}

export type AuthenticateOptions = {
  /** `last_used_at` is written at most once per this period per key. Default 60 s. */
  readonly lastUsedResolutionSeconds?: number;
};

const nameSchema = z.string().trim().min(1).max(200);
const uuidSchema = z.string().uuid();

export async function createAccount(
  connection: DbConnection,
  name: string,
  role: Role,
): Promise<Account> {
  return toAccount(await insertAccount(connection, validName(name), role));
}

export async function createApiKey(
  connection: DbConnection,
  accountId: string,
  name: string,
  /** Default: inference and the account's own endpoints (no `admin`). */
  scopes: readonly Scope[] = ["inference", "account:read", "account:write"],
  limits: KeyLimits = NO_LIMITS,
): Promise<CreatedApiKey> {
  validateLimits(limits);
  const generated = generateApiKey();
  const id = await insertApiKey(connection, {
    accountId: validId(accountId, "account"),
    name: validName(name),
    prefix: generated.prefix,
    hash: generated.hash,
    scopes,
    limits,
  }).catch((error: unknown) => {
    if (error instanceof ForeignKeyIntegrityConstraintViolationError) {
      throw new ConnectError(
        `account ${accountId} not found`,
        Code.NotFound,
        undefined,
        undefined,
        error,
      );
    }
    throw error;
  });
  return { id, key: generated.key, prefix: generated.prefix };
}

/**
 * The caller of a key, or null when the key is malformed, unknown or revoked. The lookup is by
 * SHA-256 (an attacker learns nothing from index timing); the stored hash is compared again in
 * constant time.
 */
export async function authenticateApiKey(
  connection: DbConnection,
  key: string,
  options: AuthenticateOptions = {},
): Promise<Principal | null> {
  return isWellFormedApiKey(key) ? verifyApiKeyHash(connection, hashApiKey(key), options) : null;
}

/** {@link authenticateApiKey} for a well-formed key's hash. */
export async function verifyApiKeyHash(
  connection: DbConnection,
  hash: Buffer,
  options: AuthenticateOptions = {},
): Promise<Principal | null> {
  const match = await matchApiKey(connection, hash, options.lastUsedResolutionSeconds ?? 60);
  if (match === null || match.hash.length !== hash.length || !timingSafeEqual(match.hash, hash)) {
    return null;
  }
  return {
    accountId: match.account_id,
    keyId: match.key_id,
    role: match.role,
    scopes: knownScopes(match.scopes),
    limited: match.limited,
  };
}

/** Revokes a live key; with `ownerAccountId`, only a key of that account. */
export async function revokeApiKey(
  connection: DbConnection,
  keyId: string,
  ownerAccountId?: string,
): Promise<void> {
  if (!(await markRevoked(connection, validId(keyId, "api key"), ownerAccountId))) {
    throw new ConnectError(`api key ${keyId} not found or already revoked`, Code.NotFound);
  }
}

/**
 * On the very first start (no admin account yet) creates an admin account and key and returns
 * the plaintext key, to be shown once; returns null on every later start. Safe when several
 * processes start together.
 */
export async function ensureBootstrapKey(connection: DbConnection): Promise<BootstrapKey | null> {
  return connection.transaction(async (transaction) => {
    await lockBootstrap(transaction);
    if (await adminExists(transaction)) {
      return null;
    }
    const admin = await createAccount(transaction, "admin", "admin");
    const key = await createApiKey(transaction, admin.id, "bootstrap", SCOPES);
    return { ...key, accountId: admin.id };
  });
}

function toAccount(row: AccountRow): Account {
  return { id: row.id, name: row.name, role: row.role, createdAtMs: row.created_at };
}

function validName(name: string): string {
  const parsed = nameSchema.safeParse(name);
  if (!parsed.success) {
    throw new ConnectError("name must be 1 to 200 characters", Code.InvalidArgument);
  }
  return parsed.data;
}

function validId(id: string, what: string): string {
  if (!uuidSchema.safeParse(id).success) {
    throw new ConnectError(`${what} ${id} not found`, Code.NotFound);
  }
  return id;
}
