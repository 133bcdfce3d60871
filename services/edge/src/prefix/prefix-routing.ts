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

/** Without a secret the body is only scoped to the account (the provider cache still works). */
export function withPrefixRouting(
  secret: Uint8Array | undefined,
  accountId: string,
  body: InferenceBody,
): PrefixRoutingFields {
  const scope = providerScope(secret, accountId);
  if (!secret) return { body: { ...body, accountId: scope }, prefixBlockHashes: [] };
  const prefixKey = accountPrefixKey(secret, accountId);
  return {
    body: { ...body, accountId: scope, prefixKey },
    prefixBlockHashes: prefixBlockHashes(prefixKey, canonicalPrefixBytes(body.input)),
  };
}
