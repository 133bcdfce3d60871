// Leader election with a coordination.k8s.io/v1 Lease, as client-go's leaderelection does: the
// holder renews the lease every retry period; another candidate takes it once renewTime +
// leaseDuration has passed; updates carry the resourceVersion, so two candidates never both win.
import { isConflict, isNotFound, type KubeClient, type KubeObject } from "./kube/index.js";

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  /** A leader that could not renew for this long steps down (< leaseDurationMs). */
  renewDeadlineMs: number;
  retryPeriodMs: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (err: unknown) => void;
  now?: () => Date;
}

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

const LEASE = { apiVersion: "coordination.k8s.io/v1", kind: "Lease" };
const microTime = (d: Date) => d.toISOString().replace("Z", "000Z");

export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private lastRenew = 0;
  private state: "new" | "running" | "stopped" = "new";
  private tick: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: KubeClient,
    private readonly o: LeaderElectionOptions,
  ) {}

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.state = "running";
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.state !== "running") return;
    this.timer = setTimeout(() => {
      this.tick = this.step().finally(() => this.schedule(this.o.retryPeriodMs));
    }, ms);
  }

  private now(): Date {
    return this.o.now ? this.o.now() : new Date();
  }

  private async step(): Promise<void> {
    try {
      const acquired = await this.tryAcquireOrRenew();
      if (acquired) {
        this.lastRenew = this.now().getTime();
        if (!this.leading) {
          this.leading = true;
          this.o.onStartedLeading();
        }
        return;
      }
    } catch (err) {
      this.o.onError?.(err);
    }
    if (this.leading && this.now().getTime() - this.lastRenew > this.o.renewDeadlineMs)
      this.stepDown();
    else if (this.leading && !(await this.stillHolder())) this.stepDown();
  }

  private async stillHolder(): Promise<boolean> {
    try {
      const lease = await this.client.get<Lease>(LEASE, this.o.namespace, this.o.name);
      return lease.spec?.holderIdentity === this.o.identity;
    } catch {
      return true; // cannot tell: the renew deadline decides
    }
  }

  private stepDown(): void {
    this.leading = false;
    this.o.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const spec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(LEASE, this.o.namespace, this.o.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await this.client.create({
          ...LEASE,
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec,
        });
        return true;
      } catch (e) {
        if (isConflict(e)) return false;
        throw e;
      }
    }
    const held = lease.spec ?? {};
    const mine = held.holderIdentity === this.o.identity;
    const renewedAt = held.renewTime ? Date.parse(held.renewTime) : 0;
    const expired = renewedAt + (held.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
    if (held.holderIdentity && !mine && !expired) return false;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        acquireTime: mine && held.acquireTime ? held.acquireTime : spec.acquireTime,
        leaseTransitions: (held.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    };
    try {
      await this.client.update(next);
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.state = "stopped";
    if (this.timer) clearTimeout(this.timer);
    await this.tick;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.client.get<Lease>(LEASE, this.o.namespace, this.o.name);
      if (lease.spec?.holderIdentity === this.o.identity)
        await this.client.update({
          ...lease,
          spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1 },
        });
    } catch (err) {
      this.o.onError?.(err);
    }
  }
}
