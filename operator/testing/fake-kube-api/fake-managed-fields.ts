// Field ownership for server-side apply: which manager set which field, conflicts between
// managers, and removal of fields a manager stops applying. Lists are atomic (one field each).
import { clone, deepEqual, isObject, type Json, type JsonObject } from "./fake-json.js";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: JsonObject;
  subresource?: string;
}

/** A leaf path, e.g. ["spec", "replicas"]. */
type Path = string[];
const keyOf = (p: Path) => JSON.stringify(p);
const parse = (k: string) => JSON.parse(k) as Path;

/** metadata fields clients may own; the rest is the server's. */
const OWNED_METADATA = ["labels", "annotations", "ownerReferences", "finalizers"];

export function leafPaths(obj: JsonObject, section: "main" | "status" | "all"): Set<string> {
  const out = new Set<string>();
  const walk = (v: Json, path: Path) => {
    if (isObject(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
    } else out.add(keyOf(path));
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === "apiVersion" || k === "kind") continue;
    if (k === "metadata") {
      if (section === "status" || !isObject(v)) continue;
      for (const m of OWNED_METADATA) if (v[m] !== undefined) walk(v[m], ["metadata", m]);
      continue;
    }
    if (section === "main" && k === "status") continue;
    if (section === "status" && k !== "status") continue;
    walk(v, [k]);
  }
  return out;
}

function valueAt(obj: Json, path: Path): Json | undefined {
  let cur: Json | undefined = obj;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function removeAt(obj: JsonObject, path: Path): void {
  let cur: Json | undefined = obj;
  for (const p of path.slice(0, -1)) {
    if (!isObject(cur)) return;
    cur = cur[p];
  }
  if (isObject(cur)) delete cur[path[path.length - 1] as string];
}

/** `a` is `b` or lies under it (or the other way round): owning one means touching the other. */
const overlaps = (a: Path, b: Path) => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
};

export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const k of paths) {
    let cur = root;
    for (const p of parse(k)) {
      const key = `f:${p}`;
      if (!isObject(cur[key])) cur[key] = {};
      cur = cur[key];
    }
  }
  return root;
}

export function fromFieldsV1(fields: JsonObject): Set<string> {
  const out = new Set<string>();
  const walk = (node: JsonObject, path: Path) => {
    const children = Object.keys(node).filter((k) => k.startsWith("f:"));
    if (children.length === 0 && path.length > 0) out.add(keyOf(path));
    for (const c of children) walk(node[c] as JsonObject, [...path, c.slice(2)]);
  };
  walk(fields, []);
  return out;
}

function deepMerge(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch) || !isObject(target)) return clone(patch);
  const out = clone(target);
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(out[k], v);
  return out;
}

export interface Conflict {
  manager: string;
  field: string;
}

export interface ApplyResult {
  object: JsonObject;
  managedFields: ManagedFieldsEntry[];
  conflicts: Conflict[];
}

const dotted = (k: string) => "." + parse(k).join(".");

/**
 * Server-side apply of `applied` by `manager` onto `current` (undefined on create). With
 * `force`, conflicting fields change owner; without, conflicts are returned and nothing changes.
 */
export function apply(
  current: JsonObject | undefined,
  applied: JsonObject,
  manager: string,
  force: boolean,
  section: "main" | "status",
  apiVersion: string,
  now: string,
): ApplyResult {
  const entries = clone(
    (current?.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields ??
      [],
  );
  const subresource = section === "status" ? "status" : undefined;
  const appliedPaths = leafPaths(applied, section);
  const base: JsonObject = current ? clone(current) : {};
  const conflicts: Conflict[] = [];
  for (const e of entries) {
    if (e.manager === manager && e.operation === "Apply" && e.subresource === subresource) continue;
    const owned = fromFieldsV1(e.fieldsV1);
    for (const k of appliedPaths) {
      const p = parse(k);
      for (const o of owned) {
        const op = parse(o);
        if (!overlaps(p, op)) continue;
        const longer = p.length >= op.length ? p : op;
        if (deepEqual(valueAt(base, longer), valueAt(applied, longer))) continue;
        if (force) owned.delete(o);
        else conflicts.push({ manager: e.manager, field: dotted(o) });
      }
    }
    if (force) e.fieldsV1 = toFieldsV1(owned);
  }
  if (conflicts.length > 0) return { object: base, managedFields: entries, conflicts };

  // Fields this manager applied before and no longer applies are removed unless someone else owns them.
  const mine = entries.find(
    (e) => e.manager === manager && e.operation === "Apply" && e.subresource === subresource,
  );
  if (mine) {
    const others = entries.filter((e) => e !== mine).flatMap((e) => [...fromFieldsV1(e.fieldsV1)]);
    for (const old of fromFieldsV1(mine.fieldsV1)) {
      if (appliedPaths.has(old)) continue;
      if (others.some((o) => overlaps(parse(o), parse(old)))) continue;
      removeAt(base, parse(old));
    }
  }
  const merged = deepMerge(base, stripServerFields(applied, section)) as JsonObject;
  const next = entries.filter((e) => e !== mine && Object.keys(e.fieldsV1).length > 0);
  next.push({
    manager,
    operation: "Apply",
    apiVersion,
    time: now,
    fieldsType: "FieldsV1",
    fieldsV1: toFieldsV1(appliedPaths),
    ...(subresource ? { subresource } : {}),
  });
  return { object: merged, managedFields: next, conflicts: [] };
}

function stripServerFields(applied: JsonObject, section: "main" | "status"): JsonObject {
  const out = clone(applied);
  const meta = out.metadata;
  if (isObject(meta)) {
    for (const k of Object.keys(meta))
      if (!OWNED_METADATA.includes(k) && k !== "name" && k !== "namespace") delete meta[k];
  }
  if (section === "status") return { ...(out.status !== undefined ? { status: out.status } : {}) };
  return out;
}

/** After an update (PUT or patch) by `manager`: it owns what it changed; others lose it. */
export function recordUpdate(
  before: JsonObject | undefined,
  after: JsonObject,
  manager: string,
  section: "main" | "status",
  apiVersion: string,
  now: string,
): ManagedFieldsEntry[] {
  const entries = clone(
    (before?.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields ?? [],
  );
  const subresource = section === "status" ? "status" : undefined;
  const afterPaths = leafPaths(after, section);
  const changed = [...afterPaths].filter(
    (k) => !before || !deepEqual(valueAt(before, parse(k)), valueAt(after, parse(k))),
  );
  const removed = before ? [...leafPaths(before, section)].filter((k) => !afterPaths.has(k)) : [];
  for (const e of entries) {
    const owned = fromFieldsV1(e.fieldsV1);
    for (const o of [...owned]) {
      if (removed.includes(o)) owned.delete(o);
      else if (e.manager !== manager && changed.some((c) => overlaps(parse(c), parse(o))))
        owned.delete(o);
    }
    e.fieldsV1 = toFieldsV1(owned);
  }
  if (changed.length > 0) {
    let mine = entries.find(
      (e) => e.manager === manager && e.operation === "Update" && e.subresource === subresource,
    );
    if (!mine) {
      mine = {
        manager,
        operation: "Update",
        apiVersion,
        time: now,
        fieldsType: "FieldsV1",
        fieldsV1: {},
        ...(subresource ? { subresource } : {}),
      };
      entries.push(mine);
    }
    mine.fieldsV1 = toFieldsV1(new Set([...fromFieldsV1(mine.fieldsV1), ...changed]));
    mine.time = now;
  }
  return entries.filter((e) => Object.keys(e.fieldsV1).length > 0);
}
