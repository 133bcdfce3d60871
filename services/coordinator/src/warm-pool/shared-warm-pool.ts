import type { DatabasePool } from "@darkbloom/db";
import type {
  WarmPool,
  WarmPoolController,
  WarmPoolModelStatus,
  WarmPoolTarget,
} from "@darkbloom/routing";
import type { Logger } from "@darkbloom/telemetry";
import { AdvisoryLease } from "./advisory-lease.js";
import {
  loadPolicy,
  loadStatus,
  policyVersion,
  savePolicy,
  saveStatus,
} from "./warm-pool-store.js";

/** The advisory-lock key of the warm-pool controller lease (one per database). */
export const WARM_POOL_LEASE_KEY = 7_220_155_012_000_001n;

export interface SharedWarmPoolOptions {
  /** Lease tries, policy polls and status writes happen this often (default 1 s). */
  intervalMs?: number;
  /** Told when this replica gains or loses the controller (e.g. a metric). */
  onLeadership?: (leader: boolean) => void;
}

/**
 * The warm pool across replicas. The policy lives in Postgres: SetWarmPoolPolicy on any replica
 * writes it. Exactly one replica runs the controller: the holder of an advisory-lock lease. It
 * reloads the policy when its version changes (a 1 s poll; at once when the write lands on the
 * holder itself), reconciles the providers of its registry, and writes its status to Postgres
 * every interval, which GetWarmPoolStatus on any replica reads (so at most about 1 s old).
 */
export class SharedWarmPool implements WarmPool {
  private readonly lease: AdvisoryLease;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private version: bigint | undefined;
  private lastStatus = "";
  private tick: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly pool: DatabasePool,
    private readonly controller: WarmPoolController,
    private readonly log: Logger,
    private readonly options: SharedWarmPoolOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.lease = new AdvisoryLease(
      pool,
      WARM_POOL_LEASE_KEY,
      this.intervalMs,
      (held) => this.onLeadership(held),
      log,
    );
  }

  get leader(): boolean {
    return this.lease.held;
  }

  start(): void {
    this.lease.start();
    const loop = (): void => {
      this.timer = setTimeout(() => {
        this.tick = this.refresh().finally(() => {
          if (!this.closed) loop();
        });
      }, this.intervalMs);
    };
    loop();
  }

  async setPolicy(targets: WarmPoolTarget[]): Promise<void> {
    await savePolicy(this.pool, targets);
    if (this.lease.held) await this.refresh();
  }

  status(): Promise<WarmPoolModelStatus[]> {
    return loadStatus(this.pool);
  }

  storedPolicy(): Promise<WarmPoolTarget[]> {
    return loadPolicy(this.pool);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.tick;
    await this.lease.close();
    this.controller.setPolicy([]);
  }

  private onLeadership(leader: boolean): void {
    this.version = undefined;
    this.lastStatus = "";
    if (!leader) this.controller.setPolicy([]);
    this.options.onLeadership?.(leader);
    if (leader) this.tick = this.refresh();
  }

  /** On the lease holder: pick up a changed policy, reconcile, write the status when it changed. */
  private async refresh(): Promise<void> {
    if (!this.lease.held || this.closed) return;
    try {
      const version = await policyVersion(this.pool);
      if (version !== this.version) {
        this.controller.setPolicy(await loadPolicy(this.pool));
        this.version = version;
        this.log.info("warm pool policy applied", { version: String(version) });
      } else this.controller.reconcile();
      const status = this.controller.status();
      const text = JSON.stringify(status);
      if (text !== this.lastStatus && this.lease.held) {
        await saveStatus(this.pool, status);
        this.lastStatus = text;
      }
    } catch (err) {
      this.log.warn("warm pool refresh failed", { error: String(err) });
    }
  }
}
