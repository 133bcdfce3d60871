import { CryptoError } from "./crypto-error.js";
import { NONCE_BYTES } from "./constants.js";
import { nonceOf, openWithSharedKey } from "./secret-box.js";

export interface NonceGuardOptions {
  /** Most nonces one guard remembers; one more is refused with `limit_exceeded`. Default 1,048,576. */
  maxNonces?: number;
}

const DEFAULT_MAX_NONCES = 1 << 20;

/** Remembers the nonces of one request so a replayed sealed message is refused. */
export class NonceGuard {
  readonly maxNonces: number;
  private readonly seen = new Set<string>();

  constructor(options: NonceGuardOptions = {}) {
    this.maxNonces = options.maxNonces ?? DEFAULT_MAX_NONCES;
  }

  get size(): number {
    return this.seen.size;
  }

  has(nonce: Uint8Array): boolean {
    return this.seen.has(nonceKey(nonce));
  }

  /** Records a nonce; throws `replayed_nonce` if already recorded, `limit_exceeded` if full. */
  remember(nonce: Uint8Array): void {
    const key = nonceKey(nonce);
    if (this.seen.has(key))
      throw new CryptoError("replayed_nonce", "nonce already used in this request");
    if (this.seen.size >= this.maxNonces) {
      throw new CryptoError("limit_exceeded", `more than ${this.maxNonces} nonces in one request`);
    }
    this.seen.add(key);
  }

  clear(): void {
    this.seen.clear();
  }
}

/**
 * `openWithSharedKey` that refuses a nonce `guard` has seen. The nonce is recorded only after the
 * MAC verifies, so a forged message cannot burn a nonce the real sender has yet to use.
 */
export function openWithNonceGuard(
  sharedKey: Uint8Array,
  sealed: Uint8Array,
  guard: NonceGuard,
): Uint8Array {
  const nonce = nonceOf(sealed);
  if (guard.has(nonce))
    throw new CryptoError("replayed_nonce", "nonce already used in this request");
  const plaintext = openWithSharedKey(sharedKey, sealed);
  guard.remember(nonce);
  return plaintext;
}

function nonceKey(nonce: Uint8Array): string {
  if (nonce.length !== NONCE_BYTES)
    throw new CryptoError("truncated", `nonce must be ${NONCE_BYTES} bytes`);
  return String.fromCharCode(...nonce);
}
