// What tells a retry of the same request from another request reusing its x-request-id: a keyed
// hash of the route and the canonical JSON body. Only the hash is stored (with the ledger's
// claim of the id), never the body; the key keeps it from being checked against guessed prompts.
import { createHmac, randomBytes } from "node:crypto";

export type Fingerprinter = (path: string, json: unknown) => Uint8Array;

/** Keyed by a sub-key of the coordinator's secret (replicas agree); random without one. */
export function requestFingerprinter(secret: Uint8Array | undefined): Fingerprinter {
  const key = secret
    ? createHmac("sha256", secret).update("darkbloom-request-fingerprint-v1").digest()
    : randomBytes(32);
  return (path, json) =>
    new Uint8Array(
      createHmac("sha256", key).update(path).update("\0").update(canonicalJson(json)).digest(),
    );
}

/** Deeper than this, a body is written by the iterative writer (no recursion to overflow). */
const RECURSION_DEPTH = 200;
/** Thrown (one shared instance) to leave the recursive writer. */
const TOO_DEEP = new Error("nested too deep to recurse");

/**
 * JSON with object keys sorted at every depth: equal bodies hash equally whatever their order.
 * An ordinary body is written recursively (no work item per value); one nested deeper than
 * RECURSION_DEPTH iteratively, so a hostile body nested 50,000 deep is fingerprinted instead of
 * overflowing the stack. Both write the same text.
 */
export function canonicalJson(value: unknown): string {
  try {
    return canonicalRecursive(value, 0);
  } catch (err) {
    if (err !== TOO_DEEP) throw err;
    return canonicalIterative(value);
  }
}

function canonicalRecursive(v: unknown, depth: number): string {
  if (Array.isArray(v)) {
    if (depth >= RECURSION_DEPTH) throw TOO_DEEP;
    let out = "[";
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ",";
      out += canonicalRecursive(v[i], depth + 1);
    }
    return `${out}]`;
  }
  if (v !== null && typeof v === "object") {
    if (depth >= RECURSION_DEPTH) throw TOO_DEEP;
    const record = v as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    let out = "{";
    for (const key of keys) {
      const field = record[key];
      if (field === undefined) continue;
      if (out.length > 1) out += ",";
      out += `${JSON.stringify(key)}:${canonicalRecursive(field, depth + 1)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(v) ?? "null";
}

function canonicalIterative(value: unknown): string {
  const out: string[] = [];
  // Work items in reverse order of output: literal text, or a value still to write.
  const todo: Array<{ text: string } | { value: unknown }> = [{ value }];
  for (let item = todo.pop(); item !== undefined; item = todo.pop()) {
    if ("text" in item) {
      out.push(item.text);
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      const parts: Array<{ text: string } | { value: unknown }> = [{ text: "[" }];
      v.forEach((element: unknown, i) => {
        if (i > 0) parts.push({ text: "," });
        parts.push({ value: element });
      });
      parts.push({ text: "]" });
      pushReversed(todo, parts);
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, field]) => field !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const parts: Array<{ text: string } | { value: unknown }> = [{ text: "{" }];
      entries.forEach(([key, field], i) => {
        parts.push({ text: `${i > 0 ? "," : ""}${JSON.stringify(key)}:` }, { value: field });
      });
      parts.push({ text: "}" });
      pushReversed(todo, parts);
    } else {
      out.push(JSON.stringify(v) ?? "null");
    }
  }
  return out.join("");
}

/** Pushes one at a time: a spread of a 200,000-element array would overflow the argument limit. */
function pushReversed<T>(stack: T[], items: readonly T[]): void {
  for (let i = items.length - 1; i >= 0; i--) stack.push(items[i] as T);
}
