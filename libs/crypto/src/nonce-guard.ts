import { CryptoError } from "./crypto-error.js";
import { NONCE_BYTES } from "./constants.js";
import { latin1String } from "./latin1.js";
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
    return this.hasKey(nonceKey(nonce));
  }

  /** Records a nonce; throws `replayed_nonce` if already recorded, `limit_exceeded` if full. */
  remember(nonce: Uint8Array): void {
    this.rememberKey(nonceKey(nonce));
  }

  /** `has` for a nonce already turned into its key (nonceKey). */
  hasKey(key: string): boolean {
    return this.seen.has(key);
  }

  rememberKey(key: string): void {
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
  const key = nonceKey(nonceOf(sealed));
  if (guard.hasKey(key))
    throw new CryptoError("replayed_nonce", "nonce already used in this request");
  const plaintext = openWithSharedKey(sharedKey, sealed);
  guard.rememberKey(key);
  return plaintext;
}

/** The nonce's bytes as a latin1 string (one native call under Node): the Set's key. */
export function nonceKey(nonce: Uint8Array): string {
  if (nonce.length !== NONCE_BYTES)
    throw new CryptoError("truncated", `nonce must be ${NONCE_BYTES} bytes`);
  return latin1String(nonce, 0, NONCE_BYTES);
}
