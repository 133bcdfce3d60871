// The fake API server's semantics above the store: create / update / patch / apply / delete with
// preconditions, status and scale subresources, generation, managed fields, custom-resource
// schemas, CRD registration, namespaces and owner-reference garbage collection.
// Reason for length: one write pipeline shared by every verb, kept together so it stays consistent.
import { ApiError, badRequest, notFound } from "./fake-api-error.js";
import {
  clone,
  deepEqual,
  getDotted,
  isObject,
  jsonPatch,
  mergePatch,
  PatchError,
  setDotted,
  type JsonObject,
} from "./fake-json.js";
import { apply, recordUpdate, type ManagedFieldsEntry } from "./fake-managed-fields.js";
import {
  apiVersionOf,
  BUILTIN_TYPES,
  typeKey,
  typesOfCrd,
  type ResourceType,
} from "./fake-resource-types.js";
import { applySchema } from "./fake-schema-validation.js";
import { labelSelectorString } from "./fake-selectors.js";
import { metaOf, Store } from "./fake-store.js";

export type Section = "main" | "status";

export interface WriteOptions {
  manager: string;
  fieldValidation: "Strict" | "Warn" | "Ignore";
}

export interface WriteResult {
  object: JsonObject;
  warnings: string[];
  created: boolean;
}

const nowIso = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export class Cluster {
  readonly store: Store;
  private readonly types = new Map<string, ResourceType>();
  /** Called after every change (the fake controllers hook in here). */
  readonly afterChange: (() => void)[] = [];

  constructor(historyLimit: number) {
    this.store = new Store(historyLimit);
    for (const t of BUILTIN_TYPES) this.types.set(`${apiVersionOf(t)}/${t.plural}`, t);
    for (const ns of ["default", "kube-system", "kube-public"])
      this.create(
        this.typeOf("", "v1", "namespaces"),
        { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
        {
          manager: "fake-kube-api",
          fieldValidation: "Strict",
        },
      );
  }

  allTypes(): ResourceType[] {
    return [...this.types.values()];
  }

  findType(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.get(`${group ? group + "/" : ""}${version}/${plural}`);
  }

  typeOf(group: string, version: string, plural: string): ResourceType {
    const t = this.findType(group, version, plural);
    if (!t) throw notFound("", group, plural);
    return t;
  }

  typeOfKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.allTypes().find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
  }

  private changed(): void {
    for (const f of this.afterChange) f();
  }

  get(t: ResourceType, ns: string | undefined, name: string): JsonObject {
    const o = this.store.get(t, t.namespaced ? ns : undefined, name);
    if (!o) throw notFound(t.plural, t.group, name);
    return o;
  }

  private checkNamespace(t: ResourceType, ns: string | undefined): void {
    if (!t.namespaced) return;
    if (!ns) throw badRequest("a namespace is required");
    const nsType = this.typeOf("", "v1", "namespaces");
    const n = this.store.get(nsType, undefined, ns);
    if (!n) throw notFound("namespaces", "", ns);
    if (metaOf(n).deletionTimestamp)
      throw new ApiError(
        403,
        "Forbidden",
        `unable to create new content in namespace ${ns} because it is being terminated`,
      );
  }

  /** Validation, pruning and defaulting of custom kinds. */
  private schemaCheck(
    t: ResourceType,
    obj: JsonObject,
    opts: WriteOptions,
  ): { object: JsonObject; warnings: string[] } {
    if (!t.schema) return { object: obj, warnings: [] };
    const r = applySchema(obj, t.schema);
    if (r.errors.length)
      throw new ApiError(
        422,
        "Invalid",
        `${t.kind}.${t.group} "${metaOf(obj).name}" is invalid: ${r.errors.join(", ")}`,
        {
          name: metaOf(obj).name,
          group: t.group,
          kind: t.kind,
          causes: r.errors.map((e) => ({
            type: "FieldValueInvalid",
            message: e.slice(e.indexOf(": ") + 2),
            field: e.split(":")[0],
          })),
        },
      );
    if (r.unknownFields.length && opts.fieldValidation === "Strict")
      throw badRequest(
        `strict decoding error: ${r.unknownFields.map((f) => `unknown field "${f}"`).join(", ")}`,
      );
    const warnings =
      opts.fieldValidation === "Warn" ? r.unknownFields.map((f) => `unknown field "${f}"`) : [];
    return { object: r.object, warnings };
  }

  private status201Defaults(t: ResourceType, obj: JsonObject): void {
    if (t.kind === "Namespace") obj.status = { phase: "Active" };
    if (t.kind === "Service" && isObject(obj.spec)) {
      const spec = obj.spec;
      if (spec.clusterIP === undefined)
        spec.clusterIP = `10.96.0.${1 + Math.floor(Math.random() * 250)}`;
      if (spec.type === undefined) spec.type = "ClusterIP";
    }
  }

  create(
    t: ResourceType,
    body: JsonObject,
    opts: WriteOptions,
    ns?: string,
    managed?: ManagedFieldsEntry[],
  ): JsonObject {
    const obj = clone(body);
    const meta: JsonObject = isObject(obj.metadata) ? obj.metadata : {};
    obj.metadata = meta;
    if (t.namespaced) meta.namespace = ns ?? (meta.namespace as string | undefined) ?? "default";
    this.checkNamespace(t, meta.namespace as string | undefined);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    if (t.custom && t.status) delete obj.status;
    const checked = this.schemaCheck(t, obj, opts).object;
    this.status201Defaults(t, checked);
    delete (checked.metadata as JsonObject).managedFields;
    (checked.metadata as JsonObject).managedFields = (managed ??
      recordUpdate(
        undefined,
        checked,
        opts.manager,
        "main",
        apiVersionOf(t),
        nowIso(),
      )) as unknown as JsonObject[];
    const out = this.store.create(t, checked, nowIso());
    this.afterWrite(t, out);
    return out;
  }

  /**
   * The common write path: `mutate` turns the current object into the requested one; the server
   * then keeps what the section may not change, checks the precondition and schema, bumps generation.
   */
  write(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    section: Section,
    opts: WriteOptions,
    mutate: (current: JsonObject) => JsonObject,
    managed: "update" | ManagedFieldsEntry[] = "update",
  ): WriteResult {
    const cur = this.get(t, ns, name);
    const requested = mutate(clone(cur));
    if (!isObject(requested.metadata)) requested.metadata = {};
    const reqMeta = requested.metadata;
    if (reqMeta.name !== undefined && reqMeta.name !== name)
      throw badRequest(
        `the name of the object (${JSON.stringify(reqMeta.name)}) does not match the name on the URL (${name})`,
      );
    const curMeta = metaOf(cur);
    if (
      reqMeta.resourceVersion !== undefined &&
      reqMeta.resourceVersion !== "" &&
      reqMeta.resourceVersion !== curMeta.resourceVersion
    )
      throw new ApiError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${t.plural}${t.group ? "." + t.group : ""} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, group: t.group, kind: t.plural },
      );
    let next: JsonObject;
    if (section === "status") {
      next = clone(cur);
      if (requested.status === undefined) delete next.status;
      else next.status = requested.status;
    } else {
      next = requested;
      next.apiVersion = apiVersionOf(t);
      next.kind = t.kind;
      if (t.status) {
        if (cur.status === undefined) delete next.status;
        else next.status = cur.status;
      }
      const m = next.metadata as JsonObject;
      for (const k of [
        "uid",
        "creationTimestamp",
        "generation",
        "deletionTimestamp",
        "namespace",
        "name",
      ] as const) {
        const v = (cur.metadata as JsonObject)[k];
        if (v === undefined) delete m[k];
        else m[k] = v;
      }
      if (curMeta.deletionTimestamp && Array.isArray(m.finalizers)) {
        const before = curMeta.finalizers ?? [];
        m.finalizers = m.finalizers.filter((f) => before.includes(f as string));
      }
    }
    const { object: checked, warnings } = this.schemaCheck(t, next, opts);
    const meta = checked.metadata as JsonObject;
    meta.managedFields = (managed === "update"
      ? recordUpdate(cur, checked, opts.manager, section, apiVersionOf(t), nowIso())
      : managed) as unknown as JsonObject[];
    const specChanged = !deepEqual(withoutMetaStatus(cur), withoutMetaStatus(checked));
    if (specChanged && curMeta.generation !== undefined) meta.generation = curMeta.generation + 1;
    meta.resourceVersion = curMeta.resourceVersion;
    if (deepEqual(stripTimes(cur), stripTimes(checked)))
      return { object: cur, warnings, created: false };
    const out = this.store.update(t, checked);
    this.afterWrite(t, out);
    return { object: out, warnings, created: false };
  }

  update(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    section: Section,
    body: JsonObject,
    opts: WriteOptions,
  ): WriteResult {
    return this.write(t, ns, name, section, opts, () => clone(body));
  }

  patch(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    section: Section,
    contentType: string,
    body: unknown,
    opts: WriteOptions,
  ): WriteResult {
    const patcher = (cur: JsonObject): JsonObject => {
      try {
        if (contentType.startsWith("application/json-patch+json"))
          return jsonPatch(cur, body) as JsonObject;
        if (contentType.startsWith("application/strategic-merge-patch+json")) {
          if (t.custom)
            throw new ApiError(
              415,
              "UnsupportedMediaType",
              `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
            );
          return mergePatch(cur, body as JsonObject) as JsonObject;
        }
        if (contentType.startsWith("application/merge-patch+json"))
          return mergePatch(cur, body as JsonObject) as JsonObject;
      } catch (err) {
        if (err instanceof PatchError) throw new ApiError(422, "Invalid", err.message);
        throw err;
      }
      throw new ApiError(415, "UnsupportedMediaType", `unsupported patch type ${contentType}`);
    };
    return this.write(t, ns, name, section, opts, patcher);
  }

  /** A patch of a free-standing value (a Scale). */
  patchValue(value: JsonObject, contentType: string, body: unknown): JsonObject {
    try {
      if (contentType.startsWith("application/json-patch+json"))
        return jsonPatch(value, body) as JsonObject;
      return mergePatch(value, body as JsonObject) as JsonObject;
    } catch (err) {
      if (err instanceof PatchError) throw new ApiError(422, "Invalid", err.message);
      throw err;
    }
  }

  /** Server-side apply (application/apply-patch+yaml). */
  apply(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    section: Section,
    body: JsonObject,
    opts: WriteOptions,
    force: boolean,
  ): WriteResult {
    if (body.apiVersion !== apiVersionOf(t) || body.kind !== t.kind)
      throw badRequest(
        `apply: apiVersion/kind ${JSON.stringify(body.apiVersion)}/${JSON.stringify(body.kind)} do not match the URL (${apiVersionOf(t)}/${t.kind})`,
      );
    const existing = this.store.get(t, t.namespaced ? ns : undefined, name);
    if (!existing) {
      if (section === "status") throw notFound(t.plural, t.group, name);
      const r = apply(undefined, body, opts.manager, true, "main", apiVersionOf(t), nowIso());
      const obj = r.object;
      (obj.metadata as JsonObject).name = name;
      return {
        object: this.create(t, obj, opts, ns, r.managedFields),
        warnings: [],
        created: true,
      };
    }
    const r = apply(existing, body, opts.manager, force, section, apiVersionOf(t), nowIso());
    if (r.conflicts.length) {
      const msg = r.conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join("\n- ");
      throw new ApiError(
        409,
        "Conflict",
        `Apply failed with ${r.conflicts.length} conflict${r.conflicts.length > 1 ? "s" : ""}: ${msg}`,
        {
          causes: r.conflicts.map((c) => ({
            type: "FieldManagerConflict",
            message: `conflict with "${c.manager}"`,
            field: c.field,
          })),
        },
      );
    }
    const applied = r.object;
    (applied.metadata as JsonObject).resourceVersion = metaOf(existing).resourceVersion;
    return this.write(t, ns, name, section, opts, () => applied, r.managedFields);
  }

  /** Deletes (or marks for deletion while finalizers remain), then collects dependents. */
  delete(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    propagation: string,
    gracePeriodSeconds?: number,
  ): JsonObject {
    const cur = this.get(t, ns, name);
    if (t.kind === "Pod" && isObject(cur.spec) && cur.spec.nodeName && gracePeriodSeconds !== 0) {
      // A pod on a node stays (terminating) until its kubelet stops it and deletes it with grace 0.
      const meta = metaOf(cur);
      if (!meta.deletionTimestamp) {
        meta.deletionTimestamp = nowIso();
        (cur.metadata as JsonObject).deletionGracePeriodSeconds = gracePeriodSeconds ?? 30;
        this.store.update(t, cur);
        this.changed();
      }
      return cur;
    }
    const { object, gone } = this.store.delete(t, ns, name, nowIso());
    if (gone) this.afterDelete(t, object, propagation);
    this.changed();
    return object;
  }

  private afterWrite(t: ResourceType, obj: JsonObject): void {
    if (t.kind === "CustomResourceDefinition" && t.group === "apiextensions.k8s.io")
      this.registerCrd(obj);
    if (
      metaOf(obj).deletionTimestamp &&
      !(metaOf(obj).finalizers ?? []).length &&
      !this.store.get(t, metaOf(obj).namespace, metaOf(obj).name)
    )
      this.afterDelete(t, obj, "Background");
    this.changed();
  }

  private afterDelete(t: ResourceType, obj: JsonObject, propagation: string): void {
    const meta = metaOf(obj);
    if (t.kind === "CustomResourceDefinition" && t.group === "apiextensions.k8s.io") {
      for (const ct of typesOfCrd(obj as never)) {
        const key = `${apiVersionOf(ct)}/${ct.plural}`;
        const registered = this.types.get(key);
        if (registered) this.store.dropAll(registered);
        this.types.delete(key);
      }
    }
    if (t.kind === "Namespace") {
      for (const nt of this.allTypes().filter((x) => x.namespaced))
        for (const o of this.store.list(nt, meta.name)) this.tryDelete(nt, o, "Background");
    }
    for (const { key, object } of this.store.dependentsOf(meta.uid)) {
      const dt = this.allTypes().find((x) => typeKey(x.group, x.plural) === key);
      if (!dt) continue;
      if (propagation === "Orphan") {
        const m = metaOf(object);
        m.ownerReferences = (m.ownerReferences ?? []).filter((r) => r.uid !== meta.uid);
        this.store.update(dt, object);
      } else this.tryDelete(dt, object, "Background");
    }
  }

  private tryDelete(t: ResourceType, o: JsonObject, propagation: string): void {
    try {
      this.delete(t, metaOf(o).namespace, metaOf(o).name, propagation, 0);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }

  private registerCrd(crd: JsonObject): void {
    const types = typesOfCrd(crd as never);
    for (const ct of types) this.types.set(`${apiVersionOf(ct)}/${ct.plural}`, ct);
    const spec = crd.spec as JsonObject;
    const status = {
      acceptedNames: spec.names ?? {},
      storedVersions: ((spec.versions as JsonObject[]) ?? [])
        .filter((v) => v.storage)
        .map((v) => v.name),
      conditions: ["NamesAccepted", "Established"].map((type) => ({
        type,
        status: "True",
        reason: type === "Established" ? "InitialNamesAccepted" : "NoConflicts",
        message:
          type === "Established" ? "the initial names have been accepted" : "no conflicts found",
        lastTransitionTime: nowIso(),
      })),
    };
    if (
      !deepEqual(
        stripTimes({ s: crd.status ?? null }),
        stripTimes({ s: status } as unknown as JsonObject),
      )
    ) {
      const t = this.typeOf("apiextensions.k8s.io", "v1", "customresourcedefinitions");
      const next = clone(crd);
      next.status = status as unknown as JsonObject;
      this.store.update(t, next);
    }
  }

  /** autoscaling/v1 Scale of an object with a scale subresource. */
  getScale(t: ResourceType, ns: string | undefined, name: string): JsonObject {
    if (!t.scale) throw notFound(t.plural + "/scale", t.group, name);
    const o = this.get(t, ns, name);
    const m = metaOf(o);
    const selector = t.custom
      ? getDotted(o, t.scale.labelSelectorPath)
      : labelSelectorString((o.spec as JsonObject | undefined)?.selector);
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: m.name,
        namespace: m.namespace ?? null,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
        creationTimestamp: m.creationTimestamp,
      },
      spec: { replicas: (getDotted(o, t.scale.specReplicasPath) as number | undefined) ?? 0 },
      status: {
        replicas: (getDotted(o, t.scale.statusReplicasPath) as number | undefined) ?? 0,
        ...(selector ? { selector } : {}),
      },
    };
  }

  /** Writes a Scale (after the patch or update was applied to the current Scale) back to the object. */
  setScale(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    mutate: (scale: JsonObject) => JsonObject,
    opts: WriteOptions,
  ): JsonObject {
    const scale = mutate(this.getScale(t, ns, name));
    const replicas = getDotted(scale, ".spec.replicas");
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)
      throw new ApiError(
        422,
        "Invalid",
        `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: must be greater than or equal to 0`,
      );
    const rv = getDotted(scale, ".metadata.resourceVersion");
    this.write(t, ns, name, "main", opts, (cur) => {
      setDotted(cur, t.scale?.specReplicasPath ?? ".spec.replicas", replicas);
      if (typeof rv === "string" && rv) (cur.metadata as JsonObject).resourceVersion = rv;
      return cur;
    });
    return this.getScale(t, ns, name);
  }
}

function withoutMetaStatus(o: JsonObject): JsonObject {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

function stripTimes(o: JsonObject): unknown {
  return JSON.parse(
    JSON.stringify(o, (k, v: unknown) =>
      k === "time" || k === "lastTransitionTime" ? undefined : v,
    ),
  );
}
