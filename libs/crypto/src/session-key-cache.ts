import { assertKey } from "./assert-key.js";
import { boxBeforenm } from "./box-key.js";
import { CryptoError } from "./crypto-error.js";
import { NonceGuard, openWithNonceGuard } from "./nonce-guard.js";
import { nonceOf, sealWithSharedKey } from "./secret-box.js";

export interface SessionKeyCacheOptions {
  /** Most live request sessions; the least recently used is forgotten beyond this. Default 4096. */
  maxEntries?: number;
  /** Most nonces remembered per request (see `NonceGuard`). Default 1,048,576. */
  maxNoncesPerRequest?: number;
}

const DEFAULT_MAX_ENTRIES = 4096;

/**
 * One request's shared key plus its nonce guard. Nonces it seals are remembered too, so a
 * message reflected back at its sender (both directions share the key) is refused as a replay.
 */
export class RequestSession {
  /** The live shared key; zeroed by `forget`, after which every use throws `bad_key`. */
  readonly sharedKey: Uint8Array;
  private readonly peerPublicKey: Uint8Array;
  private readonly guard: NonceGuard;

  constructor(
    readonly requestId: string,
    peerPublicKey: Uint8Array,
    sharedKey: Uint8Array,
    guard: NonceGuard,
  ) {
    this.peerPublicKey = peerPublicKey.slice();
    this.sharedKey = sharedKey;
    this.guard = guard;
  }

  seal(plaintext: Uint8Array): Uint8Array {
    const sealed = sealWithSharedKey(this.sharedKey, plaintext);
    this.guard.remember(nonceOf(sealed));
    return sealed;
  }

  open(sealed: Uint8Array): Uint8Array {
    return openWithNonceGuard(this.sharedKey, sealed, this.guard);
  }

  /** @internal */
  isFor(peerPublicKey: Uint8Array): boolean {
    let diff = 0;
    for (let i = 0; i < this.peerPublicKey.length; i++)
      diff |= (this.peerPublicKey[i] ?? 0) ^ (peerPublicKey[i] ?? 0);
    return diff === 0;
  }

  /** @internal Zeroes the key and drops the nonces. */
  destroy(): void {
    this.sharedKey.fill(0);
    this.guard.clear();
  }
}

/** Per-request shared keys: derived once per request id, zeroed on `forget`, LRU-bounded. */
export class SessionKeyCache {
  readonly maxEntries: number;
  private readonly maxNoncesPerRequest: number | undefined;
  private readonly sessions = new Map<string, RequestSession>();

  constructor(options: SessionKeyCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.maxNoncesPerRequest = options.maxNoncesPerRequest;
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * The session for `requestId`, deriving its key on first use. A later call naming a different
   * peer public key for the same request throws `bad_key` rather than reuse the wrong key.
   */
  session(requestId: string, peerPublicKey: Uint8Array, secretKey: Uint8Array): RequestSession {
    assertKey(peerPublicKey, "peer public key");
    const existing = this.get(requestId);
    if (existing !== undefined) {
      if (!existing.isFor(peerPublicKey)) {
        throw new CryptoError(
          "bad_key",
          `request ${requestId} already has a session with another peer key`,
        );
      }
      return existing;
    }
    const sharedKey = boxBeforenm(peerPublicKey, secretKey);
    const guardOptions =
      this.maxNoncesPerRequest === undefined ? {} : { maxNonces: this.maxNoncesPerRequest };
    const created = new RequestSession(
      requestId,
      peerPublicKey,
      sharedKey,
      new NonceGuard(guardOptions),
    );
    this.sessions.set(requestId, created);
    while (this.sessions.size > this.maxEntries) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
    return created;
  }

  /** The live session for `requestId` (marking it recently used), if any. */
  get(requestId: string): RequestSession | undefined {
    const found = this.sessions.get(requestId);
    if (found !== undefined) {
      this.sessions.delete(requestId);
      this.sessions.set(requestId, found);
    }
    return found;
  }

  /** Zeroes and drops the session's key; true if there was one. Call when the request ends. */
  forget(requestId: string): boolean {
    const found = this.sessions.get(requestId);
    if (found === undefined) return false;
    this.sessions.delete(requestId);
    found.destroy();
    return true;
  }

  /** Forgets every session. */
  clear(): void {
    for (const id of [...this.sessions.keys()]) this.forget(id);
  }
}
