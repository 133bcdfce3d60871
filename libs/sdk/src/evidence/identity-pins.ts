import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { DarkbloomError } from "../sdk-error.js";

/**
 * Fingerprint of a provider's P-256 identity key: lowercase hex of the first 16 bytes of
 * SHA-256 of its compressed SEC1 form (same shape as an X25519 key fingerprint).
 */
export function identityFingerprint(identityPublicKey: Uint8Array): string {
  const compressed = p256.Point.fromBytes(identityPublicKey).toBytes(true);
  return bytesToHex(sha256(compressed).subarray(0, 16));
}

/** Trust-on-first-use memory: the identity first seen for each provider id. */
export interface IdentityPinStore {
  get(providerId: string): string | undefined;
  set(providerId: string, identityFingerprint: string): void;
}

/** An in-memory TOFU store (pins live as long as the client); persist your own for more. */
export class MemoryIdentityPins implements IdentityPinStore {
  private readonly pins = new Map<string, string>();
  get(providerId: string): string | undefined {
    return this.pins.get(providerId);
  }
  set(providerId: string, fingerprint: string): void {
    this.pins.set(providerId, fingerprint);
  }
}

export interface PinPolicy {
  /** Only these identity fingerprints are accepted (empty: any). */
  allowedIdentities: ReadonlySet<string>;
  /** TOFU: a provider id keeps the identity it first showed. */
  pins: IdentityPinStore | undefined;
}

/** Refuses an identity outside the allow-list or different from the one pinned for the provider. */
export function checkIdentityPin(providerId: string, fingerprint: string, policy: PinPolicy): void {
  if (policy.allowedIdentities.size > 0 && !policy.allowedIdentities.has(fingerprint))
    throw new DarkbloomError(
      0,
      "identity_not_pinned",
      `provider ${providerId}'s identity ${fingerprint} is not one of the pinned identities`,
    );
  if (!policy.pins || fingerprint === "") return;
  const pinned = policy.pins.get(providerId);
  if (pinned === undefined) policy.pins.set(providerId, fingerprint);
  else if (pinned !== fingerprint)
    throw new DarkbloomError(
      0,
      "identity_changed",
      `provider ${providerId} showed identity ${fingerprint}, but ${pinned} was pinned on first use`,
    );
}
