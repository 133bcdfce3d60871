// Credit leases (docs/money.md): a replica moves a slice of a consumer's credit into its own lease
// account in one Postgres transaction, then places that consumer's holds against it in memory (no
// database round trip before the first token). Settlements are written with their hold, in
// batches (settlement-queue.ts), charged from the lease; what a settlement does not charge is
// free for the next hold. The lease is renewed while the replica lives and returned to the
// wallet when idle or at shutdown; a replica that dies stops renewing, and any replica's sweep
// returns its lease once expired. Overspend: none (a hold never exceeds what was moved into the
// lease, and the lease account may not go below zero).
import { Code, ConnectError } from "@connectrpc/connect";
import type { DatabasePool } from "@darkbloom/db";
import type { HoldInput } from "./hold.js";
import { insufficientBalance, invalidArgument, requireId } from "./ledger-errors.js";
import { fundLease, renewLeases, returnLease, sweepExpiredLeases } from "./lease-store.js";
import { costMicroUsd } from "./money.js";
import { PriceCache } from "./price-cache.js";
import type { SettledFigures } from "./settle-batch.js";
import type { LeasedHold } from "./settle.js";

export type CreditLeaseOptions = {
  /** This replica's id: its lease of a consumer's credit is `<consumer id>@<replica id>`. */
  readonly replicaId: string;
  /** Credit moved into a lease beyond the hold that needs it (when the wallet has it). */
  readonly leaseMicroUsd: bigint;
  /** A lease not renewed for this long is returned by any replica's sweep. */
  readonly ttlMs: number;
  /** A lease with no open hold for this long is returned to the wallet. */
  readonly idleReturnMs: number;
  /** Prices are read from Postgres at most this often per model (price-cache.ts). */
  readonly priceCacheMs: number;
  /**
   * The database's URL for the price cache's LISTEN connection: a price change then reaches this
   * replica's holds as soon as it commits. Absent: within `priceCacheMs`.
   */
  readonly databaseUrl?: string;
  /** A leased hold not settled within this long is dropped (nothing charged, credit freed). */
  readonly staleHoldMs: number;
  /** A renewal, return or sweep failed; the next tick retries. */
  readonly onError: (err: unknown) => void;
  /** Expired leases (of dead replicas) this replica's sweep returned. */
  readonly onSwept?: (count: number) => void;
};

type OpenHold = { readonly hold: LeasedHold; readonly at: number };

type Lease = {
  readonly id: string;
  readonly consumerId: string;
  /** The epoch this replica holds the lease at; null: it holds none (funding starts one). */
  epoch: bigint | null;
  /** What the lease account holds that no open hold or pending settlement has claimed. */
  free: bigint;
  readonly open: Map<string, OpenHold>;
  /** Settlements taken from `open` and not yet answered. */
  settling: number;
  lastUsedAt: number;
  /**
   * When the lease's expiry was last pushed out (by its funding or a renewal; the time the write
   * started, so never later than the database's `now()` it used). Renewed once a third of the TTL
   * has passed, not at every tick (the tick also runs at the idle-return period).
   */
  renewedAt: number;
  /** Funding or returning in progress: holds wait for it, then look again. */
  busy: Promise<unknown> | undefined;
};

/** This replica's leases, one per consumer it has served lately. */
export class CreditLeases {
  readonly prices: PriceCache;
  private readonly leases = new Map<string, Lease>();
  private readonly byRequest = new Map<string, Lease>();
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pool: DatabasePool,
    private readonly options: CreditLeaseOptions,
  ) {
    this.prices = new PriceCache(pool, options.priceCacheMs);
  }

  /** Sweeps expired leases once, then renews, returns idle leases and sweeps periodically. */
  async start(): Promise<void> {
    if (this.timer !== undefined || this.closed) return;
    if (this.options.databaseUrl !== undefined) await this.prices.watch(this.options.databaseUrl);
    // Renewals are due every third of the TTL; an idle lease is returned within its idle time.
    const every = Math.min(this.options.ttlMs / 3, this.options.idleReturnMs);
    this.timer = setInterval(() => void this.tickNow(), Math.max(50, every));
    this.timer.unref();
    await this.tickNow();
  }

  /**
   * Holds the worst case of the request against the consumer's lease, funding it first when
   * it has too little; an internal retry of an open hold returns what it holds. Throws the
   * ledger's insufficient-balance refusal when the lease and the wallet together cannot cover it.
   */
  async hold(input: HoldInput): Promise<bigint> {
    if (this.closed) throw new ConnectError("credit leases are closed", Code.Unavailable);
    const requestId = requireId(input.requestId, "request_id");
    const consumerId = requireId(input.accountId, "account_id");
    const price = await this.prices.get(input.model);
    const held = costMicroUsd(price, {
      promptTokens: BigInt(input.maxPromptTokens),
      completionTokens: BigInt(input.maxCompletionTokens),
    });
    if (held < 0n) throw invalidArgument("token counts must not be negative");
    for (;;) {
      const replay = this.byRequest.get(requestId)?.open.get(requestId);
      if (replay !== undefined) {
        if (replay.hold.consumerId !== consumerId)
          throw new ConnectError(
            `request_id ${requestId} belongs to another hold`,
            Code.AlreadyExists,
          );
        return replay.hold.heldMicroUsd;
      }
      const lease = this.leaseOf(consumerId);
      if (lease.busy !== undefined) {
        await lease.busy;
        continue;
      }
      if (lease.epoch !== null && lease.free >= held) {
        lease.free -= held;
        lease.lastUsedAt = Date.now();
        const hold: LeasedHold = {
          requestId,
          consumerId,
          model: input.model,
          price,
          heldMicroUsd: held,
          apiKeyId: input.apiKeyId || null,
          leaseId: lease.id,
          epoch: lease.epoch,
          ...(input.clientRequestId
            ? {
                claim: {
                  clientRequestId: input.clientRequestId,
                  claimId: input.claimId ?? "",
                  fingerprint: input.requestFingerprint ?? new Uint8Array(),
                },
              }
            : {}),
        };
        lease.open.set(requestId, { hold, at: Date.now() });
        this.byRequest.set(requestId, lease);
        return held;
      }
      const funding = this.fund(lease, held);
      lease.busy = funding;
      const outcome = await funding.finally(() => {
        lease.busy = undefined;
      });
      if (outcome instanceof Error) throw ConnectError.from(outcome);
      if (outcome !== undefined) throw insufficientBalance(consumerId, held, outcome);
    }
  }

  /** The open leased hold of this request, taken for settlement (then {@link settled}). */
  take(requestId: string): LeasedHold | undefined {
    const lease = this.byRequest.get(requestId);
    const open = lease?.open.get(requestId);
    if (lease === undefined || open === undefined) return undefined;
    lease.open.delete(requestId);
    this.byRequest.delete(requestId);
    lease.settling++;
    return open.hold;
  }

  /**
   * A taken hold's settlement was answered (figures), or failed (undefined: nothing was
   * charged, its credit is free again).
   */
  settled(hold: LeasedHold, figures: SettledFigures | undefined): void {
    const lease = this.leases.get(hold.consumerId);
    if (lease === undefined) return;
    lease.settling--;
    lease.lastUsedAt = Date.now();
    if (lease.epoch !== hold.epoch) return;
    if (figures?.leaseLost === true) {
      // Swept under this replica (it stopped renewing for a while): start anew at the next hold.
      lease.epoch = null;
      lease.free = 0n;
      return;
    }
    lease.free += hold.heldMicroUsd - (figures?.fromLeaseMicroUsd ?? 0n);
  }

  /** How many holds are open against leases (a gauge, and tests). */
  get openHolds(): number {
    return this.byRequest.size;
  }

  /** Stops the timer, waits (a little) for settlements in flight, returns every lease. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.prices.close();
    await this.tick;
    const until = Date.now() + 5_000;
    const unsettled = (): boolean =>
      [...this.leases.values()].some((l) => l.settling > 0 || l.busy !== undefined);
    while (unsettled() && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 10));
    for (const lease of this.leases.values()) {
      if (lease.epoch === null) continue;
      const epoch = lease.epoch;
      lease.epoch = null;
      await this.pool
        .transaction((tx) => returnLease(tx, lease.id, epoch))
        .catch((err: unknown) => this.options.onError(err));
    }
    this.leases.clear();
    this.byRequest.clear();
  }

  /** One renewal, idle return and sweep now (joins the one in progress). */
  tickNow(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.tick ??= this.renewReturnSweep()
      .catch((err: unknown) => this.options.onError(err))
      .finally(() => {
        this.tick = undefined;
      });
    return this.tick;
  }

  private leaseOf(consumerId: string): Lease {
    let lease = this.leases.get(consumerId);
    if (lease === undefined) {
      lease = {
        id: `${consumerId}@${this.options.replicaId}`,
        consumerId,
        epoch: null,
        free: 0n,
        open: new Map(),
        settling: 0,
        lastUsedAt: Date.now(),
        renewedAt: 0,
        busy: undefined,
      };
      this.leases.set(consumerId, lease);
    }
    return lease;
  }

  /**
   * Moves what the hold still needs, plus the lease size, from the wallet. Returns undefined
   * when funded (or the lease was lost: the caller looks again), the wallet's balance when it
   * cannot cover the need, or the error.
   */
  private async fund(lease: Lease, held: bigint): Promise<bigint | Error | undefined> {
    const epoch = lease.epoch;
    const need = epoch === null ? held : held - lease.free;
    const startedAt = Date.now();
    try {
      const funded = await this.pool.transaction((tx) =>
        fundLease(tx, {
          leaseId: lease.id,
          consumerId: lease.consumerId,
          replicaId: this.options.replicaId,
          epoch,
          atLeastMicroUsd: need,
          atMostMicroUsd: need + this.options.leaseMicroUsd,
          ttlMs: this.options.ttlMs,
        }),
      );
      switch (funded.kind) {
        case "funded":
          if (lease.epoch !== epoch) return undefined;
          lease.renewedAt = startedAt;
          lease.free = epoch === null ? funded.movedMicroUsd : lease.free + funded.movedMicroUsd;
          lease.epoch = funded.epoch;
          return undefined;
        case "lost":
          if (lease.epoch === epoch) {
            lease.epoch = null;
            lease.free = 0n;
          }
          return undefined;
        case "short":
          return (epoch === null ? 0n : lease.free) + funded.walletMicroUsd;
      }
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private async renewReturnSweep(): Promise<void> {
    const now = Date.now();
    for (const lease of this.leases.values()) {
      for (const [requestId, open] of lease.open) {
        if (now - open.at < this.options.staleHoldMs) continue;
        lease.open.delete(requestId);
        this.byRequest.delete(requestId);
        if (lease.epoch === open.hold.epoch) lease.free += open.hold.heldMicroUsd;
      }
    }
    // A lease's expiry is pushed out once a third of its TTL has passed since the last time: the
    // tick runs at least that often, so a live replica's lease never comes within a third of the
    // TTL of expiring (and a renewal is no round trip per tick when the idle period is short).
    const due = this.options.ttlMs / 3;
    const held = [...this.leases.values()].filter(
      (l) => l.epoch !== null && now - l.renewedAt >= due,
    );
    const epochs = new Map(held.map((l) => [l, l.epoch]));
    const live = await renewLeases(
      this.pool,
      held.map((l) => l.id),
      this.options.ttlMs,
    );
    for (const [lease, epoch] of epochs) {
      if (live.has(lease.id)) lease.renewedAt = Math.max(lease.renewedAt, now);
      else if (lease.epoch === epoch && lease.busy === undefined) {
        lease.epoch = null;
        lease.free = 0n;
      }
    }
    for (const lease of [...this.leases.values()]) {
      const idle =
        lease.open.size === 0 &&
        lease.settling === 0 &&
        lease.busy === undefined &&
        now - lease.lastUsedAt >= this.options.idleReturnMs;
      if (!idle) continue;
      if (lease.epoch !== null) {
        const epoch = lease.epoch;
        const returning = this.pool.transaction((tx) => returnLease(tx, lease.id, epoch));
        lease.busy = returning;
        await returning.finally(() => {
          lease.busy = undefined;
        });
        if (lease.epoch === epoch) {
          lease.epoch = null;
          lease.free = 0n;
        }
      }
      if (lease.open.size === 0 && lease.settling === 0 && lease.busy === undefined)
        this.leases.delete(lease.consumerId);
    }
    const swept = await sweepExpiredLeases(this.pool, 100);
    if (swept > 0) this.options.onSwept?.(swept);
  }
}
