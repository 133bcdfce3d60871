import { create } from "@bufbuild/protobuf";
import { PREFIX_BLOCK_BYTES } from "@darkbloom/crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  RoutingMetadataSchema,
  SlotState,
  TrustLevel,
  type ReserveRequest,
  type RoutingMetadata,
} from "@darkbloom/proto";
import type { ProviderHandle } from "./registry/provider-handle.js";
import { DEFAULT_HEDGE, type HedgeOptions } from "./hedging/hedge-delay.js";
import { AdmissionQueue, exhausted, type QueueOptions } from "./queue/admission-queue.js";
import { expectedWaitMs } from "./queue/expected-wait.js";
import type { ProviderRegistry } from "./registry/provider-registry.js";
import { sessionView } from "./registry/session-view.js";
import type { Reservation, Reservations } from "./reservations.js";
import type { RoutingMetrics } from "./routing-metrics.js";
import { resolveProfile } from "./scheduler/profile.js";
import { Scheduler } from "./scheduler/scheduler.js";
import type { ProviderSort, ProviderView, RouteRequest } from "./scheduler/types.js";
import { ProviderStats } from "./stats/provider-stats.js";

export interface RouterOptions {
  /** Profile name (`ours`, `least-loaded`, …) or a JSON profile spec. */
  profile: string;
  queue: QueueOptions;
  hedge: HedgeOptions;
  /** Providers returned per reservation (1 = no hedging or failover). */
  candidates: number;
  /**
   * How long after its last provider was seen a model's requests wait in the queue for one to
   * come back (a reconnect, a restart) instead of a 404.
   */
  reconnectGraceMs: number;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  profile: "ours",
  queue: { timeoutMs: 120_000, maxDepthPerModel: 256, recheckIntervalMs: 500 },
  hedge: DEFAULT_HEDGE,
  candidates: 3,
  reconnectGraceMs: 10_000,
};

export interface RouterDeps {
  registry: ProviderRegistry;
  reservations: Reservations;
  options?: Partial<RouterOptions>;
  metrics?: RoutingMetrics;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const SORTS: ReadonlySet<string> = new Set<ProviderSort>(["price", "throughput", "latency"]);

/** Admission, scoring and queueing for Reserve; owns the per-provider stats. */
export class Router {
  private readonly viewCache = new WeakMap<
    ProviderHandle,
    { stamp: readonly number[]; view: ProviderView }
  >();
  readonly stats = new ProviderStats();
  /** Per model, when a registered provider of it was last seen (registration or heartbeat). */
  private readonly lastSeenMs = new Map<string, number>();
  readonly queue: AdmissionQueue;
  readonly scheduler: Scheduler;
  readonly options: RouterOptions;

  constructor(private readonly deps: RouterDeps) {
    this.options = { ...DEFAULT_ROUTER_OPTIONS, ...deps.options };
    this.queue = new AdmissionQueue(this.options.queue);
    this.scheduler = new Scheduler(
      resolveProfile(this.options.profile),
      Math.random,
      deps.metrics?.pluginTimer,
    );
    deps.registry.listen({
      capacityChanged: (session) => {
        this.sawModels(session);
        this.queue.pump();
      },
      providerGone: (id) => {
        this.stats.forget(id);
        deps.reservations.dropProvider(id);
        this.queue.pump();
      },
    });
  }

  views(): ProviderView[] {
    return [...this.deps.registry.values()].map((s) => this.view(s));
  }

  /** Views of the providers that registered the model (the registry's per-model index). */
  viewsOf(model: string): ProviderView[] {
    return this.deps.registry.registeredFor(model).map((s) => this.view(s));
  }

  /** Whether a provider has room for the request now (the capacity filters): gates hedges. */
  hasRoomFor(providerId: string, metadata: RoutingMetadata): boolean {
    const session = this.deps.registry.get(providerId);
    if (!session) return false;
    const route = this.routeOf(metadata, TrustLevel.UNSPECIFIED, []);
    const view = this.view(session);
    return this.scheduler.profile.filters.every(
      (f) => f.kind !== "capacity" || f.accepts(route, view),
    );
  }

  /**
   * The session's view, rebuilt only when something it reads changed: the session (frames,
   * dispatches, trust), its observed stats, or its reservations (creates, removals, expiries).
   * Reusing the view lets the scheduler's per-view figures (filters, score floors) stay cached.
   */
  private view(session: ProviderHandle): ProviderView {
    const { reservations } = this.deps;
    const stamp = [
      session.changeCount,
      this.stats.epoch(session.id),
      reservations.epochFor(session.id),
      reservations.countFor(session.id),
    ];
    const cached = this.viewCache.get(session);
    if (cached && cached.stamp.every((n, i) => n === stamp[i])) return cached.view;
    const view = sessionView(session, { stats: this.stats, reservations });
    this.viewCache.set(session, { stamp, view });
    return view;
  }

  private routeOf(
    metadata: RoutingMetadata,
    minTrust: TrustLevel,
    quantizations: readonly string[],
  ): RouteRequest {
    return {
      model: metadata.model,
      promptTokens: metadata.estimatedPromptTokens,
      maxTokens: metadata.maxTokens,
      minTrust,
      prefixHashes: metadata.prefixBlockHashes.map(hex),
      // The edge's (and the SDK's) estimate counts one token per UTF-8 byte.
      prefixBlockTokens: PREFIX_BLOCK_BYTES,
      quantizations: quantizations.map((q) => q.toLowerCase()),
    };
  }

  /**
   * Reserve now, or queue FIFO until capacity frees, or refuse at once with a retry-after.
   * `signal` may be a getter: only a queued request needs it (a handler context's signal is an
   * AbortController made when first read).
   */
  async reserve(
    req: ReserveRequest,
    signal: AbortSignal | (() => AbortSignal),
  ): Promise<Reservation> {
    const metadata = req.metadata ?? create(RoutingMetadataSchema);
    const model = metadata.model;
    if (!model) throw new ConnectError("metadata.model is required", Code.InvalidArgument);
    if (req.sort && !SORTS.has(req.sort))
      throw new ConnectError(`unknown sort "${req.sort}"`, Code.InvalidArgument);
    const route = {
      ...this.routeOf(metadata, req.minTrust, req.quantizations),
      sort: (req.sort || undefined) as ProviderSort | undefined,
    };
    const tryAdmit = (): Reservation | undefined => {
      const d = this.scheduler.decide(route, this.viewsOf(model), this.options.candidates);
      if (d.eligible === 0) {
        if (this.awaitingReconnect(model)) return undefined;
        throw this.unroutable(model);
      }
      const [first, ...rest] = d.ranked;
      if (!first) return undefined;
      const alternates = rest.slice(0, this.options.candidates - 1).map((s) => s.provider.id);
      return this.deps.reservations.create(
        req.requestId,
        first.provider.id,
        metadata,
        Date.now(),
        alternates,
      );
    };
    if (this.queue.depth(model) === 0) {
      const now = tryAdmit();
      if (now) {
        this.deps.metrics?.decisions.inc({ outcome: "routed" });
        return now;
      }
    }
    const waitMs = this.estimatedWaitMs(model);
    const limitMs = Math.min(this.options.queue.timeoutMs, req.maxQueueWaitMs || Infinity);
    // The load estimate says nothing about a provider that is reconnecting.
    const hopeless = waitMs > limitMs && !this.awaitingReconnect(model);
    if (this.queue.depth(model) >= this.options.queue.maxDepthPerModel || hopeless) {
      this.deps.metrics?.decisions.inc({ outcome: "rejected" });
      throw exhausted(
        `every provider of ${model} is busy (expected wait ${Math.round(waitMs)} ms)`,
        waitMs / 1000,
      );
    }
    this.deps.metrics?.decisions.inc({ outcome: "queued" });
    const admitted = this.queue.wait(
      model,
      tryAdmit,
      limitMs,
      typeof signal === "function" ? signal() : signal,
      () => this.estimatedWaitMs(model) / 1000,
    );
    // Waiters ahead may have been admitted already; capacity may be free for this one too.
    this.queue.pump(model);
    return admitted;
  }

  /** Queue depth, running sequences, and expected wait for a newly queued request of the model. */
  estimatedWaitMs(model: string): number {
    let running = 0;
    for (const s of this.deps.registry.registeredFor(model))
      running += s.heartbeat?.slots.find((slot) => slot.modelId === model)?.running ?? 0;
    return expectedWaitMs(this.queue.depth(model), running, this.stats.serviceMs(model));
  }

  /** Per model: providers, warm slots, running and waiting sequences, queue depth, wait. */
  capacity(): {
    model: string;
    providers: number;
    warmSlots: number;
    running: number;
    waiting: number;
    queueDepth: number;
    estimatedWaitMs: number;
  }[] {
    const byModel = new Map<
      string,
      { providers: number; warmSlots: number; running: number; waiting: number }
    >();
    for (const v of this.views()) {
      for (const [id, m] of v.models) {
        if (!m.templateOk || !v.routable) continue;
        const e = byModel.get(id) ?? { providers: 0, warmSlots: 0, running: 0, waiting: 0 };
        const slot = v.slots.get(id);
        e.providers++;
        if (slot?.state === SlotState.RUNNING || slot?.state === SlotState.IDLE) e.warmSlots++;
        e.running += slot?.running ?? 0;
        e.waiting += slot?.waiting ?? 0;
        byModel.set(id, e);
      }
    }
    return [...byModel]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([model, e]) => {
        const queueDepth = this.queue.depth(model);
        const busy = queueDepth > 0 || e.waiting > 0;
        return { model, ...e, queueDepth, estimatedWaitMs: busy ? this.estimatedWaitMs(model) : 0 };
      });
  }

  /**
   * A model whose providers all left moments ago, are moving to another replica, or are still
   * being checked (a replica that just started looks its weights up) waits for one rather than
   * failing; providers that are here and serve it but not this request (trust, quantization) are
   * refused at once.
   */
  private awaitingReconnect(model: string): boolean {
    const registered = this.deps.registry.registeredFor(model);
    // Told to move (a draining replica's GoAway) they come back on another replica shortly; a
    // registry check in progress answers within a round trip.
    if (registered.some((s) => s.moving || checkPending(s, model))) return true;
    if (registered.some((s) => s.hasModel(model))) return false;
    return Date.now() - (this.lastSeenMs.get(model) ?? -Infinity) < this.options.reconnectGraceMs;
  }

  /** Records the models the session can serve now (a fenced one is not "seen"). */
  private sawModels(session: ProviderHandle): void {
    const now = Date.now();
    for (const m of session.register?.models ?? [])
      if (session.hasModel(m.id)) this.lastSeenMs.set(m.id, now);
    // Bounded by the models ever served; drop the long-gone ones when it grows.
    if (this.lastSeenMs.size > 1_000)
      for (const [m, at] of this.lastSeenMs)
        if (now - at > this.options.reconnectGraceMs) this.lastSeenMs.delete(m);
  }

  private unroutable(model: string): ConnectError {
    const served = [...this.deps.registry.values()].some((s) => s.hasModel(model));
    return served
      ? new ConnectError(
          `no provider of ${model} meets the required trust level`,
          Code.FailedPrecondition,
        )
      : new ConnectError(`no provider serves model ${model}`, Code.NotFound);
  }
}

/** The provider's only bar to the model is a check still running (see SessionTrust.pendingModels). */
function checkPending(session: ProviderHandle, model: string): boolean {
  return session.trust.routable && session.trust.pendingModels?.has(model) === true;
}
