// Prefix affinity without plaintext: the account's prefix key goes to the provider inside the
// sealed body; the keyed block hashes go to the router in the clear (docs/routing.md).
import { accountPrefixKey, canonicalPrefixBytes, prefixBlockHashes } from "@darkbloom/crypto";
import type { InferenceBody } from "@darkbloom/proto";
import { providerScope } from "./provider-scope.js";

export interface PrefixRoutingFields {
  /** The body to seal: scoped to the account, carrying its prefix key. */
  body: InferenceBody;
  /** Chained keyed hashes of the body's canonical prefix blocks, for RoutingMetadata. */
  prefixBlockHashes: Uint8Array[];
}

/** An account's provider scope and prefix key: two keyed hashes, derived once per account. */
interface AccountKeys {
  readonly scope: string;
  readonly prefixKey: Uint8Array | undefined;
}

/** Accounts remembered per secret; the whole cache starts over past this many. */
const MAX_CACHED_ACCOUNTS = 10_000;
const bySecret = new WeakMap<Uint8Array, Map<string, AccountKeys>>();
const unkeyed = new Map<string, AccountKeys>();

function accountKeys(secret: Uint8Array | undefined, accountId: string): AccountKeys {
  let cache = secret ? bySecret.get(secret) : unkeyed;
  if (cache === undefined) {
    cache = new Map();
    bySecret.set(secret as Uint8Array, cache);
  }
  let keys = cache.get(accountId);
  if (keys === undefined) {
    if (cache.size >= MAX_CACHED_ACCOUNTS) cache.clear();
    keys = {
      scope: providerScope(secret, accountId),
      prefixKey: secret ? accountPrefixKey(secret, accountId) : undefined,
    };
    cache.set(accountId, keys);
  }
  return keys;
}

/** Without a secret the body is only scoped to the account (the provider cache still works). */
export function withPrefixRouting(
  secret: Uint8Array | undefined,
  accountId: string,
  body: InferenceBody,
): PrefixRoutingFields {
  const { scope, prefixKey } = accountKeys(secret, accountId);
  if (!secret || !prefixKey) return { body: { ...body, accountId: scope }, prefixBlockHashes: [] };
  return {
    body: { ...body, accountId: scope, prefixKey },
    prefixBlockHashes: prefixBlockHashes(prefixKey, canonicalPrefixBytes(body.input)),
  };
}
