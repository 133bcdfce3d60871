// Over 100 lines: one component owns this replica's presence (its timers, its LISTEN connection and
// the remote handles it keeps in the registry), with its states in one place.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { listenChannel, type DatabasePool, type Listener } from "@darkbloom/db";
import {
  HeartbeatSchema,
  LoadModelStatusSchema,
  RegisterSchema,
  type Heartbeat,
  type Register,
} from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import type { PeerAddress, PeerLink } from "../peers/peer-link.js";
import { RemoteProvider, type RemoteState } from "../peers/remote-provider.js";
import type { ProviderHandle } from "../registry/provider-handle.js";
import type { ProviderRegistry } from "../registry/provider-registry.js";
import {
  PRESENCE_CHANNEL,
  heartbeatReplica,
  leaveReplica,
  liveReplicas,
  loadLivePresence,
  notify,
  sweepDeadReplicas,
  writeProviders,
  type LivePresenceRow,
  type PresenceNotice,
  type PresenceRow,
} from "./presence-store.js";

export interface PresenceOptions {
  replicaId: string;
  /** The replica row is renewed this often. Default 1 000 ms. */
  heartbeatIntervalMs?: number;
  /** A replica not renewed for this long is dead (its providers stop being routed). Default 5 000 ms. */
  ttlMs?: number;
  /** Changes of one provider are written at most this often (coalesced). Default 100 ms. */
  flushIntervalMs?: number;
}

export interface PresenceDeps {
  pool: DatabasePool;
  databaseUrl: string;
  registry: ProviderRegistry;
  link: PeerLink;
  log: Logger;
}

type PresenceState = "idle" | "running" | "left" | "closed";

const remoteKey = (row: LivePresenceRow): string => `${row.replicaId} ${row.advertiseUrl}`;

/**
 * This replica in the network: renews its replica row, writes its providers' rows (coalesced per
 * provider), and keeps a RemoteProvider in the registry for every provider a live peer holds —
 * updated within one LISTEN/NOTIFY round trip of a peer's write, and re-read in full every
 * heartbeat (which also drops the providers of replicas that expired).
 */
export class Presence {
  private stateValue: PresenceState = "idle";
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;
  private readonly flushMs: number;
  private readonly dirty = new Set<string>();
  private readonly gone = new Set<string>();
  private readonly published = new Map<string, number>();
  /** The row last written of each provider (a change of only its requests in flight is lighter). */
  private readonly written = new Map<string, PresenceRow>();
  private readonly remotes = new Map<
    string,
    { handle: RemoteProvider; rowKey: string; raw: LivePresenceRow }
  >();
  private tick: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private listener: Listener | undefined;
  private unlisten: (() => void) | undefined;
  /** Reads and writes run one at a time, in order (a reload never overtakes a newer one). */
  private chain: Promise<void> = Promise.resolve();
  private ticks = 0;
  /** Live peers by replica id (re-read every heartbeat). */
  private peers = new Map<string, string>();
  /** How peers reach this replica's h2c port (DARKBLOOM_ADVERTISE_URL); set by start. */
  private advertise = "";

  constructor(
    private readonly deps: PresenceDeps,
    private readonly options: PresenceOptions,
  ) {
    this.heartbeatMs = options.heartbeatIntervalMs ?? 1_000;
    this.ttlMs = options.ttlMs ?? 5_000;
    this.flushMs = options.flushIntervalMs ?? 100;
  }

  get replicaId(): string {
    return this.options.replicaId;
  }

  get advertiseUrl(): string {
    return this.advertise;
  }

  /** A live peer's address (for a reservation made there); undefined for this replica. */
  addressOf(replicaId: string): PeerAddress | undefined {
    const url = replicaId === this.replicaId ? undefined : this.peers.get(replicaId);
    return url ? { replicaId, url } : undefined;
  }

  get state(): PresenceState {
    return this.stateValue;
  }

  /** Providers of peers currently in the registry (for tests). */
  get remoteCount(): number {
    return this.remotes.size;
  }

  /** Joins once the replica listens (peers may forward to it from the first row on). */
  async start(advertiseUrl: string): Promise<void> {
    if (this.stateValue !== "idle") return;
    this.stateValue = "running";
    this.advertise = advertiseUrl;
    const { registry } = this.deps;
    await heartbeatReplica(this.deps.pool, this.replicaId, this.advertise, this.ttlMs);
    this.unlisten = registry.listen({
      capacityChanged: (h) => this.localChanged(h),
      providerGone: (id) => {
        if (!this.published.has(id)) return;
        this.published.delete(id);
        this.written.delete(id);
        this.dirty.delete(id);
        this.gone.add(id);
        this.scheduleFlush();
      },
      loadModelStatus: (h, status) => {
        if (h.ownerReplicaId !== "local" || this.stateValue !== "running") return;
        const encoded = Buffer.from(toBinary(LoadModelStatusSchema, status)).toString("base64");
        void this.enqueue(() =>
          notify(this.deps.pool, {
            replicaId: this.replicaId,
            loadStatus: { providerId: h.id, status: encoded },
          }),
        );
      },
    });
    for (const h of registry.values()) this.localChanged(h);
    this.listener = await listenChannel(this.deps.databaseUrl, PRESENCE_CHANNEL, {
      onNotify: (payload) => this.onNotice(payload),
      onListening: () => void this.enqueue(() => this.reloadAll()),
      onLost: (err) =>
        this.deps.log.warn("presence listen connection lost", { error: String(err) }),
    });
    this.tick = setInterval(() => this.onTick(), this.heartbeatMs);
    await this.enqueue(() => this.reloadAll());
  }

  /**
   * Leaves presence now: peers stop routing to this replica's providers at their next notice
   * (drain calls this first; the replica keeps serving the streams it has). It keeps reading its
   * peers' rows until close, so requests still arriving or queued here during the drain go to
   * providers on other replicas, including the ones that moved away from here (GoAway).
   */
  async leavePresence(): Promise<void> {
    if (this.stateValue !== "running") return;
    this.stateValue = "left";
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.chain;
    await leaveReplica(this.deps.pool, this.replicaId);
  }

  /** Running, or left and still following its peers (draining). */
  private get reading(): boolean {
    return this.stateValue === "running" || this.stateValue === "left";
  }

  async close(): Promise<void> {
    if (this.stateValue === "closed") return;
    await this.leavePresence().catch((err: unknown) =>
      this.deps.log.warn("leaving presence failed", { error: String(err) }),
    );
    this.stateValue = "closed";
    clearInterval(this.tick);
    this.unlisten?.();
    await this.listener?.close();
    await this.chain;
    for (const { handle } of this.remotes.values()) {
      this.deps.registry.remove(handle);
      handle.close("replica shutting down");
    }
    this.remotes.clear();
  }

  /** Runs after the queued work; a failure is logged (the next tick retries), never thrown. */
  private enqueue(job: () => Promise<void>): Promise<void> {
    this.chain = this.chain
      .then(job)
      .catch((err: unknown) =>
        this.deps.log.warn("presence update failed", { error: String(err) }),
      );
    return this.chain;
  }

  private localChanged(h: ProviderHandle): void {
    if (h.ownerReplicaId !== "local" || h.state.kind !== "registered") return;
    if (this.stateValue !== "running") return;
    this.dirty.add(h.id);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.stateValue !== "running") return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.enqueue(() => this.flush());
    }, this.flushMs);
  }

  private async flush(): Promise<void> {
    if (this.stateValue !== "running") return;
    const rows: PresenceRow[] = [];
    const counts: [string, number][] = [];
    for (const id of this.dirty) {
      const h = this.deps.registry.get(id);
      if (!h || h.ownerReplicaId !== "local" || !h.register) continue;
      const row = rowOf(h, h.register);
      const last = this.written.get(id);
      // A request started or ended (most writes): only the count goes, the peers apply it as told.
      if (last && sameButInFlight(last, row)) {
        if (last.inFlight !== row.inFlight) counts.push([id, row.inFlight]);
      } else rows.push(row);
      this.written.set(id, row);
      this.published.set(id, h.changeCount);
    }
    this.dirty.clear();
    const gone = [...this.gone];
    this.gone.clear();
    try {
      await writeProviders(this.deps.pool, this.replicaId, rows, gone, counts);
    } catch (err) {
      // written again in full at the next heartbeat (the tick finds them not up to date)
      for (const id of [...rows.map((r) => r.providerId), ...counts.map(([id]) => id)]) {
        this.written.delete(id);
        this.published.set(id, -1);
      }
      throw err;
    }
  }

  private onTick(): void {
    if (this.stateValue === "left") {
      void this.enqueue(() => this.reloadAll());
      return;
    }
    // Trust changes (attestation) do not raise capacityChanged: caught here within a heartbeat.
    for (const h of this.deps.registry.values())
      if (h.ownerReplicaId === "local" && this.published.get(h.id) !== h.changeCount)
        this.localChanged(h);
    const sweep = this.ticks++ % 10 === 0;
    void this.enqueue(async () => {
      if (this.stateValue !== "running") return;
      const { pool } = this.deps;
      await heartbeatReplica(pool, this.replicaId, this.advertise, this.ttlMs);
      if (sweep) await sweepDeadReplicas(pool, this.ttlMs);
      await this.reloadAll();
    });
  }

  private onNotice(payload: string): void {
    let notice: PresenceNotice;
    try {
      notice = JSON.parse(payload) as PresenceNotice;
    } catch {
      return this.deps.log.warn("unreadable presence notice", { payload: payload.slice(0, 200) });
    }
    if (notice.replicaId === this.replicaId || !this.reading) return;
    if ("loadStatus" in notice) {
      const remote = this.remotes.get(notice.loadStatus.providerId)?.handle;
      if (!remote) return;
      const status = fromBinary(
        LoadModelStatusSchema,
        Buffer.from(notice.loadStatus.status, "base64"),
      );
      this.deps.registry.loadModelStatus(remote, status);
      return;
    }
    const ids = "providerIds" in notice ? notice.providerIds : undefined;
    const counts = "inFlight" in notice ? notice.inFlight : undefined;
    if (!ids) return void this.enqueue(() => this.reloadAll());
    void this.enqueue(() => this.reload(ids, notice.replicaId, counts));
  }

  /**
   * Applies the owner's new counts of requests in flight to the rows this replica holds of it
   * (read again when it holds no such row); reads the other providers' rows.
   */
  private applyCounts(owner: string, counts: [string, number][], reread: string[]): void {
    for (const [id, inFlight] of counts) {
      const entry = this.remotes.get(id);
      if (!entry || entry.raw.replicaId !== owner || this.deps.registry.get(id) !== entry.handle) {
        reread.push(id);
        continue;
      }
      if (entry.raw.inFlight === inFlight) continue;
      const row = { ...entry.raw, inFlight };
      entry.handle.update(stateOf(row, entry.raw, entry.handle));
      entry.raw = row;
      this.deps.registry.capacityChanged(entry.handle);
    }
  }

  private async reloadAll(): Promise<void> {
    if (!this.reading) return;
    const replicas = await liveReplicas(this.deps.pool);
    this.peers = new Map(replicas.map((r) => [r.replicaId, r.advertiseUrl]));
    const rows = await loadLivePresence(this.deps.pool, this.replicaId);
    const seen = new Set(rows.map((r) => r.providerId));
    for (const id of [...this.remotes.keys()]) if (!seen.has(id)) this.drop(id);
    for (const row of rows) this.apply(row);
  }

  private async reload(
    providerIds: string[],
    owner?: string,
    counts?: [string, number][],
  ): Promise<void> {
    if (!this.reading) return;
    if (owner && counts?.length) {
      const counted = new Set(counts.map(([id]) => id));
      const reread = providerIds.filter((id) => !counted.has(id));
      this.applyCounts(owner, counts, reread);
      providerIds = reread;
    }
    if (providerIds.length === 0) return;
    const rows = await loadLivePresence(this.deps.pool, this.replicaId, providerIds);
    const seen = new Set(rows.map((r) => r.providerId));
    for (const id of providerIds) if (!seen.has(id)) this.drop(id);
    for (const row of rows) this.apply(row);
  }

  private drop(id: string): void {
    const entry = this.remotes.get(id);
    if (!entry) return;
    this.remotes.delete(id);
    this.deps.registry.remove(entry.handle);
    entry.handle.close("left presence");
  }

  private apply(row: LivePresenceRow): void {
    const { registry } = this.deps;
    const present = registry.get(row.providerId);
    // This replica's own socket of the provider wins over another replica's row, unless it was
    // told to move (GoAway): then the provider registered elsewhere and is reached there, while
    // the old socket finishes its requests (the registry keeps it out of routing, not closed).
    if (present && present.ownerReplicaId === "local" && !present.moving) {
      this.remotes.delete(row.providerId);
      return;
    }
    let entry = this.remotes.get(row.providerId);
    if (entry && present !== entry.handle) {
      this.remotes.delete(row.providerId);
      entry = undefined;
    }
    if (entry && entry.rowKey === remoteKey(row) && sameRow(entry.raw, row)) return;
    const state = stateOf(row, entry?.raw, entry?.handle);
    if (entry && entry.rowKey === remoteKey(row)) {
      entry.handle.update(state);
      entry.raw = row;
      registry.capacityChanged(entry.handle);
      return;
    }
    if (entry) this.drop(row.providerId);
    const handle = new RemoteProvider(
      row.providerId,
      state,
      this.deps.link,
      this.replicaId,
      (h) => registry.capacityChanged(h),
      this.deps.log,
    );
    this.remotes.set(row.providerId, { handle, rowKey: remoteKey(row), raw: row });
    registry.add(handle);
  }
}

/**
 * Encoded Register and Heartbeat messages by object: a provider's row is rewritten whenever its
 * requests in flight change, its Register and last Heartbeat (replaced, never mutated) are not.
 */
const encodedRegisters = new WeakMap<Register, Uint8Array>();
const encodedHeartbeats = new WeakMap<Heartbeat, Uint8Array>();

function encodedOnce<T extends Register | Heartbeat>(
  cache: WeakMap<T, Uint8Array>,
  message: T,
  encode: (m: T) => Uint8Array,
): Uint8Array {
  let bytes = cache.get(message);
  if (!bytes) cache.set(message, (bytes = encode(message)));
  return bytes;
}

function rowOf(h: ProviderHandle, register: Register): PresenceRow {
  const hb = h.heartbeat;
  return {
    providerId: h.id,
    replicaId: "",
    register: encodedOnce(encodedRegisters, register, (m) => toBinary(RegisterSchema, m)),
    heartbeat: hb
      ? encodedOnce(encodedHeartbeats, hb, (m) => toBinary(HeartbeatSchema, m))
      : undefined,
    heartbeatAtMs: h.lastHeartbeatMs,
    registeredAtMs: h.state.kind === "registered" ? h.state.registeredAt : 0,
    trustLevel: h.trust.level,
    routable: h.trust.routable,
    trustReason: h.trust.reason,
    fencedModels: [...h.trust.fencedModels],
    lastAttestedAtMs: h.trust.lastAttestedAtMs,
    operatorAccountId: h.operatorAccountId,
    inFlight: h.inFlightCount,
  };
}

/** Rows equal but for their requests in flight (encodings compared by identity: encoded once). */
function sameButInFlight(a: PresenceRow, b: PresenceRow): boolean {
  return (
    a.register === b.register &&
    a.heartbeat === b.heartbeat &&
    a.heartbeatAtMs === b.heartbeatAtMs &&
    a.registeredAtMs === b.registeredAtMs &&
    sameStanding(a, b)
  );
}

type Standing = Pick<
  PresenceRow,
  | "trustLevel"
  | "routable"
  | "trustReason"
  | "fencedModels"
  | "lastAttestedAtMs"
  | "operatorAccountId"
>;

/** The same trust, routability, fencing and operator. */
function sameStanding(a: Standing, b: Standing): boolean {
  return (
    a.trustLevel === b.trustLevel &&
    a.routable === b.routable &&
    a.trustReason === b.trustReason &&
    a.fencedModels.join("\n") === b.fencedModels.join("\n") &&
    a.lastAttestedAtMs === b.lastAttestedAtMs &&
    a.operatorAccountId === b.operatorAccountId
  );
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b)));

function sameRow(a: LivePresenceRow, b: LivePresenceRow): boolean {
  return (
    a.heartbeatAtMs === b.heartbeatAtMs &&
    a.inFlight === b.inFlight &&
    sameStanding(a, b) &&
    sameBytes(a.heartbeat, b.heartbeat) &&
    sameBytes(a.register, b.register)
  );
}

/** Decodes a row, reusing the previous Register/Heartbeat objects when their bytes did not change. */
function stateOf(
  row: LivePresenceRow,
  previous: LivePresenceRow | undefined,
  handle: RemoteProvider | undefined,
): RemoteState {
  const register: Register =
    previous && handle?.register && sameBytes(previous.register, row.register)
      ? handle.register
      : fromBinary(RegisterSchema, row.register);
  const heartbeat: Heartbeat | undefined =
    previous && sameBytes(previous.heartbeat, row.heartbeat)
      ? handle?.heartbeat
      : row.heartbeat
        ? fromBinary(HeartbeatSchema, row.heartbeat)
        : undefined;
  return {
    owner: { replicaId: row.replicaId, url: row.advertiseUrl },
    register,
    heartbeat,
    heartbeatAtMs: row.heartbeatAtMs,
    registeredAtMs: row.registeredAtMs,
    trust: {
      level: row.trustLevel,
      routable: row.routable,
      reason: row.trustReason,
      fencedModels: new Set(row.fencedModels),
      lastAttestedAtMs: row.lastAttestedAtMs,
    },
    operatorAccountId: row.operatorAccountId,
    inFlight: row.inFlight,
  };
}
