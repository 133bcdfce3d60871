// A list+watch cache of one kind (client-node's informer: lists, watches from the list's
// resourceVersion, relists after 410 Gone). client-node stops an informer on any other error;
// this wrapper restarts it after a delay, and ignores the error that its own stop() causes.
import { makeInformer, type KubernetesObject } from "@kubernetes/client-node";
import type { KubeClient, KubeObject } from "./kube-client.js";
import { resourcePath, type KindRef } from "./resource-path.js";

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  /** Delay before restarting after an error. */
  restartDelayMs: number;
  onChange: (obj: KubeObject, type: "add" | "update" | "delete") => void;
  onError?: (err: unknown) => void;
}

export class Informer<T extends KubeObject> {
  private readonly inner;
  private state: "new" | "running" | "stopped" = "new";
  private restartTimer: NodeJS.Timeout | undefined;
  private synced = false;

  constructor(
    client: KubeClient,
    private readonly ref: KindRef,
    private readonly options: InformerOptions,
  ) {
    const path = resourcePath(ref, options.namespace);
    const list = async () => {
      const l = await client.list<T>(ref, options.namespace, options.labelSelector);
      for (const item of l.items) {
        item.apiVersion = ref.apiVersion;
        item.kind = ref.kind;
      }
      this.synced = true;
      return l as unknown as { items: KubernetesObject[]; metadata: { resourceVersion?: string } };
    };
    this.inner = makeInformer<KubernetesObject>(client.kc, path, list, options.labelSelector);
    const forward = (type: "add" | "update" | "delete") => (obj: KubernetesObject) =>
      options.onChange(
        { ...(obj as KubeObject), apiVersion: ref.apiVersion, kind: ref.kind },
        type,
      );
    this.inner.on("add", forward("add"));
    this.inner.on("update", forward("update"));
    this.inner.on("delete", forward("delete"));
    this.inner.on("error", (err: unknown) => {
      if (this.state !== "running") return; // the error stop() emits
      options.onError?.(err);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (this.state === "running")
          this.inner.start().catch((e: unknown) => options.onError?.(e));
      }, options.restartDelayMs);
    });
  }

  async start(): Promise<void> {
    this.state = "running";
    await this.inner.start();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Every cached object. */
  list(): T[] {
    return this.inner.list() as unknown as T[];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.inner.get(name, namespace) as unknown as T | undefined;
  }

  kind(): KindRef {
    return this.ref;
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.inner.stop();
  }
}
