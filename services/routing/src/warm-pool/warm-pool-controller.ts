import { create } from "@bufbuild/protobuf";
import { LoadState, ProviderFrameSchema, SlotState, type LoadModelStatus } from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import type { ProviderHandle } from "../registry/provider-handle.js";
import type { ProviderRegistry } from "../registry/provider-registry.js";
import { desiredWarm, reconcile, type PoolProvider, type PoolTarget } from "./reconcile.js";

const GiB = 1024 ** 3;

export interface WarmPoolModelStatus {
  model: string;
  target: number;
  warmProviderIds: string[];
  loadingProviderIds: string[];
  failedLoads: number;
}

/** One model's policy, as SetWarmPoolPolicy carries it (proto WarmPoolTarget). */
export interface WarmPoolTarget {
  model: string;
  minWarm: number;
  /** 0: no ceiling. */
  maxWarm: number;
  /** 0: no utilization-driven growth. */
  targetUtilizationPercent: number;
  /** 0: unlimited. */
  maxLoadsPerMinute: number;
}

/** What the RoutingService needs of a warm pool: this controller, or the Postgres-shared one. */
export interface WarmPool {
  setPolicy(targets: WarmPoolTarget[]): void | Promise<void>;
  status(): WarmPoolModelStatus[] | Promise<WarmPoolModelStatus[]>;
  /** The policy as last set (every target, in model order). */
  storedPolicy(): WarmPoolTarget[] | Promise<WarmPoolTarget[]>;
}

const MINUTE_MS = 60_000;

interface PerProvider {
  loading: Map<string, number>;
  loadedByStatus: Set<string>;
  failed: Set<string>;
}

/**
 * Keeps per-model warm-pool targets: reconciles desired vs observed on every capacity change,
 * sends LoadModel/UnloadModel, tracks pending loads (timing out after `loadTimeoutMs`) and forgets
 * a provider's loads when it disconnects. Reconcile itself is the pure `reconcile()`.
 */
export class WarmPoolController implements WarmPool {
  private targets: WarmPoolTarget[] = [];
  /** Start times of the loads sent in the last minute, per model (max_loads_per_minute). */
  private readonly loadStarts = new Map<string, number[]>();
  private readonly perProvider = new Map<string, PerProvider>();
  private readonly failedLoads = new Map<string, number>();
  private readonly unlisten: () => void;

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly log: Logger,
    private readonly loadTimeoutMs = 10 * 60_000,
  ) {
    this.unlisten = registry.listen({
      capacityChanged: () => this.reconcile(),
      providerGone: (id) => {
        this.perProvider.delete(id);
        this.reconcile();
      },
      loadModelStatus: (s, status) => this.onStatus(s, status),
    });
  }

  setPolicy(targets: WarmPoolTarget[]): void {
    this.targets = targets.filter(
      (t) => t.minWarm > 0 || t.maxWarm > 0 || t.targetUtilizationPercent > 0,
    );
    this.reconcile();
  }

  get policy(): readonly WarmPoolTarget[] {
    return this.targets;
  }

  storedPolicy(): WarmPoolTarget[] {
    return [...this.targets].sort((a, b) => a.model.localeCompare(b.model));
  }

  status(): WarmPoolModelStatus[] {
    const pool = this.observe();
    return this.targets.map((t) => ({
      model: t.model,
      target: desiredWarm(t, pool),
      warmProviderIds: pool.filter((p) => p.loaded.has(t.model)).map((p) => p.id),
      loadingProviderIds: pool
        .filter((p) => p.loading.has(t.model) && !p.loaded.has(t.model))
        .map((p) => p.id),
      failedLoads: this.failedLoads.get(t.model) ?? 0,
    }));
  }

  /** Providers with any tracked state (for leak tests). */
  get trackedProviders(): number {
    return this.perProvider.size;
  }

  close(): void {
    this.unlisten();
  }

  reconcile(): void {
    if (this.targets.length === 0) return;
    this.expirePending();
    const now = Date.now();
    const targets: PoolTarget[] = this.targets.map((t) => {
      const starts = (this.loadStarts.get(t.model) ?? []).filter((at) => now - at < MINUTE_MS);
      this.loadStarts.set(t.model, starts);
      return {
        ...t,
        loadBudget:
          t.maxLoadsPerMinute > 0 ? Math.max(0, t.maxLoadsPerMinute - starts.length) : undefined,
      };
    });
    for (const a of reconcile(targets, this.observe())) {
      const session = this.registry.get(a.providerId);
      if (!session) continue;
      const kind =
        a.kind === "load"
          ? ({ case: "loadModel", value: { modelId: a.model } } as const)
          : ({ case: "unloadModel", value: { modelId: a.model } } as const);
      session.send(create(ProviderFrameSchema, { kind }));
      const st = this.state(a.providerId);
      if (a.kind === "load") {
        st.loading.set(a.model, now);
        this.loadStarts.get(a.model)?.push(now);
      } else st.loadedByStatus.delete(a.model);
      this.log.info("warm pool action", {
        action: a.kind,
        providerId: a.providerId,
        model: a.model,
      });
    }
  }

  private onStatus(session: ProviderHandle, status: LoadModelStatus): void {
    const st = this.state(session.id);
    const model = status.modelId;
    switch (status.state) {
      case LoadState.LOADED:
        st.loading.delete(model);
        st.loadedByStatus.add(model);
        break;
      case LoadState.FAILED:
        st.loading.delete(model);
        st.failed.add(model);
        this.failedLoads.set(model, (this.failedLoads.get(model) ?? 0) + 1);
        this.log.warn("model load failed", {
          providerId: session.id,
          model,
          reason: status.message,
        });
        break;
      case LoadState.UNLOADED:
        st.loading.delete(model);
        st.loadedByStatus.delete(model);
        break;
      case LoadState.LOADING:
      case LoadState.UNSPECIFIED:
        return;
    }
    this.reconcile();
  }

  private expirePending(): void {
    const now = Date.now();
    for (const [id, st] of this.perProvider) {
      for (const [model, since] of st.loading) {
        if (now - since <= this.loadTimeoutMs) continue;
        st.loading.delete(model);
        st.failed.add(model);
        this.failedLoads.set(model, (this.failedLoads.get(model) ?? 0) + 1);
        this.log.warn("model load timed out", { providerId: id, model });
      }
    }
  }

  private observe(): PoolProvider[] {
    return [...this.registry.values()].map((s) => {
      const st = this.perProvider.get(s.id);
      const loaded = new Set(st?.loadedByStatus);
      const busy = new Set<string>();
      for (const slot of s.heartbeat?.slots ?? []) {
        if (slot.state === SlotState.RUNNING || slot.state === SlotState.IDLE)
          loaded.add(slot.modelId);
        if (slot.running + slot.waiting > 0) busy.add(slot.modelId);
      }
      return {
        id: s.id,
        ramBytes: (s.register?.hardware?.memoryGb ?? 0) * GiB,
        freeForLoadBytes: s.heartbeat?.memory ? s.heartbeat.memory.freeForLoadGb * GiB : undefined,
        available: new Map((s.register?.models ?? []).map((m) => [m.id, Number(m.sizeBytes)])),
        loaded,
        loading: new Set(st?.loading.keys()),
        busy,
        failed: st?.failed ?? new Set(),
      };
    });
  }

  private state(id: string): PerProvider {
    let st = this.perProvider.get(id);
    if (!st)
      this.perProvider.set(
        id,
        (st = { loading: new Map(), loadedByStatus: new Set(), failed: new Set() }),
      );
    return st;
  }
}
