// API keys verified from memory: a replica asks Postgres once per key, then answers from its
// cache until Postgres says the key (or its account) changed, or the entry is `maxAgeMs` old.
// While the change feed is down nothing is served from memory (fail closed).
import type { DbConnection } from "@darkbloom/db";
import { ApiKeyCache } from "./api-key-cache.js";
import { hashApiKeyHex, isWellFormedApiKey } from "./api-key-format.js";
import { KeyChangeListener } from "./key-change-listener.js";
import { verifyApiKeyHash, type AuthenticateOptions, type Principal } from "./service.js";
import { touchApiKey } from "./store.js";

export type ApiKeyVerifierOptions = AuthenticateOptions & {
  /** The database the keys live in (the LISTEN connection's own URL). */
  readonly databaseUrl: string;
  /** Most keys (and unknown hashes) kept in memory. Default 10,000. */
  readonly maxEntries?: number;
  /** A key verified longer ago than this is verified again. Default 30,000 ms. */
  readonly maxAgeMs?: number;
  /** Wait before reconnecting a dropped LISTEN connection. Default 500 ms. */
  readonly retryMs?: number;
  /** The LISTEN connection or a `last_used_at` stamp failed (logged; both are retried). */
  readonly onError: (error: unknown) => void;
};

export class ApiKeyVerifier {
  private readonly cache: ApiKeyCache;
  private readonly listener: KeyChangeListener;
  private readonly touches = new Set<Promise<void>>();
  private readonly resolutionSeconds: number;

  constructor(
    private readonly connection: DbConnection,
    private readonly options: ApiKeyVerifierOptions,
  ) {
    this.resolutionSeconds = options.lastUsedResolutionSeconds ?? 60;
    this.cache = new ApiKeyCache({
      maxEntries: options.maxEntries ?? 10_000,
      maxAgeMs: options.maxAgeMs ?? 30_000,
    });
    this.listener = new KeyChangeListener(
      options.databaseUrl,
      {
        onChange: (payload) => {
          if (payload.startsWith("key:")) this.cache.dropKey(payload.slice("key:".length));
          else if (payload.startsWith("account:"))
            this.cache.dropAccount(payload.slice("account:".length));
          else this.cache.clear();
        },
        onInterrupted: () => this.cache.clear(),
        onError: options.onError,
      },
      options.retryMs ?? 500,
    );
  }

  /** Starts listening for changes; until then (and whenever it drops) every key goes to Postgres. */
  start(): Promise<void> {
    return this.listener.start();
  }

  /** Whether keys are being served from memory. */
  get cached(): boolean {
    return this.listener.listening;
  }

  /** The caller of a key, or null when the key is malformed, unknown or revoked. */
  async authenticate(key: string): Promise<Principal | null> {
    if (!isWellFormedApiKey(key)) return null;
    const hex = hashApiKeyHex(key);
    if (!this.listener.listening) return this.verify(hex);
    const now = Date.now();
    const hit = this.cache.get(hex, now);
    if (hit !== undefined) {
      if (hit.principal !== null && now - hit.touchedAtMs >= this.resolutionSeconds * 1_000) {
        hit.touchedAtMs = now;
        this.touch(hit.principal.keyId);
      }
      return hit.principal;
    }
    const snapshot = this.cache.snapshot();
    const principal = await this.verify(hex);
    if (this.listener.listening) this.cache.set(hex, principal, Date.now(), snapshot);
    return principal;
  }

  /** Asks Postgres; verifyApiKeyHash compares the stored hash in constant time. */
  private verify(hex: string): Promise<Principal | null> {
    return verifyApiKeyHash(this.connection, Buffer.from(hex, "hex"), this.options);
  }

  /** `last_used_at` for a key answered from memory, at most once per resolution period. */
  private touch(keyId: string): void {
    const touched: Promise<void> = touchApiKey(this.connection, keyId, this.resolutionSeconds)
      .catch(this.options.onError)
      .finally(() => this.touches.delete(touched));
    this.touches.add(touched);
  }

  async close(): Promise<void> {
    await this.listener.close();
    await Promise.all(this.touches);
  }
}
