// JSON helpers for the fake API server: deep equality, merge patch (RFC 7386), JSON patch
// (RFC 6902) and dotted-path access.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const clone = <T>(v: T): T => structuredClone(v);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class PatchError extends Error {}

function pointer(path: string): string[] {
  if (path === "") return [];
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function jsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError("a JSON patch is an array of operations");
  let out = clone(doc);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string")
      throw new PatchError("bad JSON patch operation");
    const { op, path } = raw;
    const value = raw.value ?? null;
    if (op === "test") {
      if (!deepEqual(getPointer(out, pointer(path)), value))
        throw new PatchError(`test ${path} failed`);
      continue;
    }
    if (op === "copy" || op === "move") {
      if (typeof raw.from !== "string") throw new PatchError("from required");
      const v = clone(getPointer(out, pointer(raw.from)));
      if (op === "move") out = setPointer(out, pointer(raw.from), undefined, "remove");
      out = setPointer(out, pointer(path), v ?? null, "add");
      continue;
    }
    if (op !== "add" && op !== "remove" && op !== "replace")
      throw new PatchError(`unknown op ${op}`);
    out = setPointer(out, pointer(path), value, op);
  }
  return out;
}

function getPointer(doc: Json, parts: string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

function setPointer(
  doc: Json,
  parts: string[],
  value: Json | undefined,
  op: "add" | "remove" | "replace",
): Json {
  if (parts.length === 0) return value ?? null;
  const parent = getPointer(doc, parts.slice(0, -1));
  const last = parts[parts.length - 1] as string;
  if (Array.isArray(parent)) {
    const i = last === "-" ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length)
      throw new PatchError(`bad index ${last}`);
    if (op === "add") parent.splice(i, 0, value ?? null);
    else if (op === "remove") parent.splice(i, 1);
    else parent[i] = value ?? null;
  } else if (isObject(parent)) {
    if (op !== "add" && !(last in parent))
      throw new PatchError(`path /${parts.join("/")} not found`);
    if (op === "remove") delete parent[last];
    else parent[last] = value ?? null;
  } else throw new PatchError(`path /${parts.join("/")} not found`);
  return doc;
}

/** Value at a `.a.b.c` path (printer columns, scale paths). */
export function getDotted(obj: Json, path: string): Json | undefined {
  let cur: Json | undefined = obj;
  for (const p of path.replace(/^\./, "").split(".")) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

export function setDotted(obj: JsonObject, path: string, value: Json): void {
  const parts = path.replace(/^\./, "").split(".");
  let cur: JsonObject = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (!isObject(next)) cur[p] = {};
    cur = cur[p] as JsonObject;
  }
  cur[parts[parts.length - 1] as string] = value;
}
