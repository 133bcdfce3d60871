import {
  generateKeyPair,
  keyFingerprint,
  openWithSharedKey,
  sealWithSharedKey,
} from "@darkbloom/crypto";
import type { DatabasePool } from "@darkbloom/db";
import { insertKey, keysSince, lockRotation, type KeyRow } from "./key-store.js";

export interface KeyRingOptions {
  /** A key is handed out as the current key for this long after its creation. */
  rotationMs: number;
  /** After it stops being current, a key still opens requests for this long. */
  graceMs: number;
  /** 32-byte key sealing the secrets at rest in Postgres; absent: stored raw in Postgres only. */
  atRestKey?: Uint8Array;
  /** Least time between two reloads triggered by an unknown kid. Default 1000. */
  reloadIntervalMs?: number;
  now?: () => number;
}

export interface CoordinatorKey {
  kid: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  createdAtMs: number;
}

export type KeyLookup =
  { ok: true; key: CoordinatorKey } | { ok: false; reason: "unknown_kid" | "expired_kid" };

/**
 * The coordinator's published X25519 keys, persisted in Postgres. The newest key is current for
 * `rotationMs`; then a new one is made (under an advisory lock, so replicas agree) and the old one
 * keeps opening requests for `graceMs` more.
 */
export class CoordinatorKeyRing {
  private readonly keys = new Map<string, CoordinatorKey>();
  private newest: CoordinatorKey | undefined;
  private refreshing: Promise<void> | undefined;
  private lastReloadMs = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(
    private readonly pool: DatabasePool,
    private readonly options: KeyRingOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The key clients should seal to now (rotating first when it is due). */
  async current(): Promise<CoordinatorKey> {
    const key = this.newest;
    if (key && this.now() < key.createdAtMs + this.options.rotationMs) return key;
    await this.refresh();
    if (!this.newest) throw new Error("key ring has no current key after refresh");
    return this.newest;
  }

  /** The key named by `kid` if it still opens requests. */
  async find(kid: string): Promise<KeyLookup> {
    let key = this.keys.get(kid);
    const reloadIntervalMs = this.options.reloadIntervalMs ?? 1000;
    if (!key && this.now() - this.lastReloadMs >= reloadIntervalMs) {
      await this.refresh();
      key = this.keys.get(kid);
    }
    if (!key) return { ok: false, reason: "unknown_kid" };
    if (this.now() >= this.acceptUntilMs(key)) return { ok: false, reason: "expired_kid" };
    return { ok: true, key };
  }

  /** How long after its creation a key still opens requests. */
  get acceptWindowMs(): number {
    return this.options.rotationMs + this.options.graceMs;
  }

  /** Zeroes every secret held in memory. */
  close(): void {
    for (const k of this.keys.values()) k.secretKey.fill(0);
    this.keys.clear();
    this.newest = undefined;
  }

  private acceptUntilMs(key: CoordinatorKey): number {
    return key.createdAtMs + this.acceptWindowMs;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.reload().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async reload(): Promise<void> {
    const now = this.now();
    this.lastReloadMs = now;
    const { rotationMs, graceMs } = this.options;
    const rows = await this.pool.transaction(async (tx) => {
      await lockRotation(tx);
      const live = await keysSince(tx, now - rotationMs - graceMs);
      const newest = live[0];
      if (newest && now < newest.created_at_ms + rotationMs) return live;
      const made = this.makeRow(now);
      await insertKey(tx, made);
      return [made, ...live];
    });
    const loaded = rows.map((r) => this.fromRow(r));
    for (const [kid, old] of this.keys) {
      if (!loaded.some((k) => k.kid === kid)) old.secretKey.fill(0);
    }
    this.keys.clear();
    for (const k of loaded) this.keys.set(k.kid, k);
    this.newest = loaded[0];
  }

  private makeRow(now: number): KeyRow {
    const pair = generateKeyPair();
    const atRest = this.options.atRestKey;
    const secret = atRest ? sealWithSharedKey(atRest, pair.secretKey) : pair.secretKey.slice();
    if (atRest) pair.secretKey.fill(0);
    return {
      kid: `ek_${keyFingerprint(pair.publicKey).slice(0, 16)}`,
      public_key: Buffer.from(pair.publicKey),
      secret_key: Buffer.from(secret),
      secret_sealed: atRest !== undefined,
      created_at_ms: now,
    };
  }

  private fromRow(row: KeyRow): CoordinatorKey {
    const cached = this.keys.get(row.kid);
    if (cached) return cached;
    let secretKey: Uint8Array = new Uint8Array(row.secret_key);
    if (row.secret_sealed) {
      const atRest = this.options.atRestKey;
      if (!atRest)
        throw new Error(
          `encryption key ${row.kid} is sealed at rest but DARKBLOOM_KEY_ENCRYPTION_KEY is not set`,
        );
      secretKey = openWithSharedKey(atRest, secretKey);
    }
    return {
      kid: row.kid,
      publicKey: new Uint8Array(row.public_key),
      secretKey,
      createdAtMs: row.created_at_ms,
    };
  }
}
