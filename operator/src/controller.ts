// The operator while it leads: informers on Coordinators, WarmPools and the objects Coordinators
// own feed one work queue of Coordinator keys (level-triggered: every event means "look again"),
// plus a periodic resync; each key is reconciled one at a time with backoff on failure.
import type { EventRecorder } from "./events.js";
import { Informer, type KubeClient, type KubeObject } from "./kube/index.js";
import { OWNED_KINDS, reconcileCoordinatorKey } from "./reconcilers/coordinator/apply.js";
import { MANAGED_BY } from "./reconcilers/coordinator/names.js";
import { reconcileWarmPoolsKey } from "./reconcilers/warmpool/apply.js";
import { WorkQueue } from "./work-queue.js";

export interface ControllerOptions {
  client: KubeClient;
  events: EventRecorder;
  /** Watch one namespace, or all when undefined. */
  namespace?: string;
  resyncMs: number;
  restartDelayMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  log: (level: "info" | "warn", message: string, fields?: Record<string, unknown>) => void;
  /** Admin API calls to a coordinator (WarmPool reconcile); tests point it at a real process. */
  coordinatorUrl?: (c: { name: string; namespace: string; port: number }) => string;
}

const key = (ns: string | undefined, name: string) => `${ns ?? "default"}/${name}`;

export class Controller {
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly coordinators: WorkQueue;
  private readonly warmPools: WorkQueue;
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: ControllerOptions) {
    const queueOptions = (what: string) => ({
      baseDelayMs: o.backoffBaseMs,
      maxDelayMs: o.backoffMaxMs,
      concurrency: 4,
      onError: (k: string, err: unknown, retryInMs: number) =>
        o.log("warn", `${what} reconcile failed`, {
          key: k,
          error: (err as Error).message,
          retryInMs,
        }),
    });
    this.coordinators = new WorkQueue(async (k) => {
      const [ns, name] = k.split("/") as [string, string];
      await reconcileCoordinatorKey({ client: o.client, events: o.events }, ns, name);
    }, queueOptions("Coordinator"));
    this.warmPools = new WorkQueue(async (k) => {
      const [ns, name] = k.split("/") as [string, string];
      // A schedule window opening or closing changes the policy: look again at that instant.
      return reconcileWarmPoolsKey(
        {
          client: o.client,
          events: o.events,
          ...(o.coordinatorUrl ? { coordinatorUrl: o.coordinatorUrl } : {}),
        },
        ns,
        name,
      );
    }, queueOptions("WarmPool"));
  }

  private informer(
    ref: { apiVersion: string; kind: string },
    onChange: (obj: KubeObject) => void,
    labelSelector?: string,
  ) {
    const inf = new Informer<KubeObject>(this.o.client, ref, {
      ...(this.o.namespace ? { namespace: this.o.namespace } : {}),
      ...(labelSelector ? { labelSelector } : {}),
      restartDelayMs: this.o.restartDelayMs,
      onChange,
      onError: (err) =>
        this.o.log("warn", "watch failed; restarting", {
          kind: ref.kind,
          error: String((err as Error)?.message ?? err),
        }),
    });
    this.informers.push(inf);
    return inf;
  }

  async start(): Promise<void> {
    this.informer({ apiVersion: "darkbloom.dev/v1alpha1", kind: "Coordinator" }, (c) => {
      this.coordinators.add(key(c.metadata.namespace, c.metadata.name));
      this.warmPools.add(key(c.metadata.namespace, c.metadata.name));
    });
    this.informer({ apiVersion: "darkbloom.dev/v1alpha1", kind: "WarmPool" }, (wp) => {
      const ref = (wp.spec as { coordinatorRef?: { name?: string } } | undefined)?.coordinatorRef
        ?.name;
      if (ref) this.warmPools.add(key(wp.metadata.namespace, ref));
    });
    for (const kind of OWNED_KINDS)
      this.informer(
        kind,
        (o) => {
          const owner = (o.metadata.ownerReferences ?? []).find(
            (r) => r.kind === "Coordinator" && r.controller,
          );
          if (owner) this.coordinators.add(key(o.metadata.namespace, owner.name));
        },
        `app.kubernetes.io/managed-by=${MANAGED_BY}`,
      );
    await Promise.all(this.informers.map((i) => i.start()));
    this.resyncTimer = setInterval(() => this.resync(), this.o.resyncMs);
  }

  /** Queues every known Coordinator again (catches anything a watch missed). */
  resync(): void {
    for (const inf of this.informers.slice(0, 1))
      for (const c of inf.list()) {
        this.coordinators.add(key(c.metadata.namespace, c.metadata.name));
        this.warmPools.add(key(c.metadata.namespace, c.metadata.name));
      }
  }

  async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await Promise.all(this.informers.map((i) => i.stop()));
    await Promise.all([this.coordinators.close(), this.warmPools.close()]);
  }
}
