// The fake API server's storage: objects by kind, one global resourceVersion counter, an event
// history for watches (older than the history: 410 Gone), finalizers and owner-reference
// garbage collection. Reason for length: it is the one place that mutates stored objects.
import { randomUUID } from "node:crypto";
import { ApiError, notFound } from "./fake-api-error.js";
import { clone, isObject, type JsonObject } from "./fake-json.js";
import { typeKey, type ResourceType } from "./fake-resource-types.js";

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoredEvent {
  rv: number;
  type: EventType;
  key: string; // type key
  object: JsonObject;
}

export interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  ownerReferences?: { uid: string; kind: string; name: string; apiVersion: string }[];
  generateName?: string;
  managedFields?: unknown[];
}

export const metaOf = (o: JsonObject) => o.metadata as unknown as Meta;

type Listener = (e: StoredEvent) => void;

export class Store {
  private rv = 0;
  private readonly objects = new Map<string, Map<string, JsonObject>>();
  private history: StoredEvent[] = [];
  /** Events with rv ≤ this are forgotten: a watch from before it gets 410 Gone. */
  private compactedRv = 0;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly historyLimit: number) {}

  currentRv(): number {
    return this.rv;
  }

  oldestWatchableRv(): number {
    return this.compactedRv;
  }

  /** Forgets every event so far: watches from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  eventsAfter(rv: number, key: string): StoredEvent[] {
    return this.history.filter((e) => e.rv > rv && e.key === key);
  }

  private bucket(t: ResourceType): Map<string, JsonObject> {
    const k = typeKey(t.group, t.plural);
    let b = this.objects.get(k);
    if (!b) {
      b = new Map();
      this.objects.set(k, b);
    }
    return b;
  }

  private static id(ns: string | undefined, name: string) {
    return `${ns ?? ""}/${name}`;
  }

  get(t: ResourceType, ns: string | undefined, name: string): JsonObject | undefined {
    const o = this.bucket(t).get(Store.id(ns, name));
    return o && clone(o);
  }

  list(t: ResourceType, ns: string | undefined): JsonObject[] {
    return [...this.bucket(t).values()]
      .filter((o) => ns === undefined || metaOf(o).namespace === ns)
      .map(clone)
      .sort((a, b) => (metaOf(a).name < metaOf(b).name ? -1 : 1));
  }

  private emit(t: ResourceType, type: EventType, object: JsonObject) {
    const e: StoredEvent = {
      rv: this.rv,
      type,
      key: typeKey(t.group, t.plural),
      object: clone(object),
    };
    this.history.push(e);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compactedRv = dropped.rv;
    }
    for (const l of this.listeners) l(e);
  }

  create(t: ResourceType, obj: JsonObject, now: string): JsonObject {
    const meta = (isObject(obj.metadata) ? obj.metadata : {}) as unknown as Meta;
    if (!meta.name && meta.generateName)
      meta.name = meta.generateName + Math.random().toString(36).slice(2, 7);
    if (!meta.name)
      throw new ApiError(422, "Invalid", `${t.kind} is invalid: metadata.name: Required value`);
    const id = Store.id(t.namespaced ? meta.namespace : undefined, meta.name);
    if (this.bucket(t).has(id))
      throw new ApiError(
        409,
        "AlreadyExists",
        `${t.plural}${t.group ? "." + t.group : ""} "${meta.name}" already exists`,
        {
          name: meta.name,
          group: t.group,
          kind: t.plural,
        },
      );
    this.rv++;
    meta.uid = randomUUID();
    meta.resourceVersion = String(this.rv);
    meta.creationTimestamp = now;
    if (!t.namespaced) delete meta.namespace;
    delete meta.deletionTimestamp;
    if (
      t.custom ||
      [
        "Deployment",
        "StatefulSet",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "CustomResourceDefinition",
      ].includes(t.kind)
    )
      meta.generation = 1;
    obj.metadata = meta as unknown as JsonObject;
    this.bucket(t).set(id, clone(obj));
    this.emit(t, "ADDED", obj);
    return obj;
  }

  /** Stores `obj` over the current version (the caller checked preconditions). */
  update(t: ResourceType, obj: JsonObject): JsonObject {
    const meta = metaOf(obj);
    const id = Store.id(t.namespaced ? meta.namespace : undefined, meta.name);
    if (!this.bucket(t).has(id)) throw notFound(t.plural, t.group, meta.name);
    this.rv++;
    meta.resourceVersion = String(this.rv);
    if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0) {
      this.bucket(t).delete(id);
      this.emit(t, "DELETED", obj);
      return obj;
    }
    this.bucket(t).set(id, clone(obj));
    this.emit(t, "MODIFIED", obj);
    return obj;
  }

  /** Deletes now, or marks for deletion while finalizers remain. Returns the last state. */
  delete(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    now: string,
  ): { object: JsonObject; gone: boolean } {
    const id = Store.id(t.namespaced ? ns : undefined, name);
    const cur = this.bucket(t).get(id);
    if (!cur) throw notFound(t.plural, t.group, name);
    const obj = clone(cur);
    const meta = metaOf(obj);
    if ((meta.finalizers ?? []).length > 0) {
      if (meta.deletionTimestamp) return { object: obj, gone: false };
      meta.deletionTimestamp = now;
      return { object: this.update(t, obj), gone: false };
    }
    this.rv++;
    meta.resourceVersion = String(this.rv);
    this.bucket(t).delete(id);
    this.emit(t, "DELETED", obj);
    return { object: obj, gone: true };
  }

  /** Every stored object (all kinds) whose owner references include `uid`. */
  dependentsOf(uid: string): { key: string; object: JsonObject }[] {
    const out: { key: string; object: JsonObject }[] = [];
    for (const [key, bucket] of this.objects)
      for (const o of bucket.values())
        if ((metaOf(o).ownerReferences ?? []).some((r) => r.uid === uid))
          out.push({ key, object: clone(o) });
    return out;
  }

  /** Drops every object of a kind (its CRD was deleted). */
  dropAll(t: ResourceType): void {
    for (const o of [...this.bucket(t).values()]) {
      this.rv++;
      metaOf(o).resourceVersion = String(this.rv);
      this.bucket(t).delete(Store.id(metaOf(o).namespace, metaOf(o).name));
      this.emit(t, "DELETED", o);
    }
  }
}
