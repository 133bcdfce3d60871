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

/**
 * JSON with object keys sorted at every depth: equal bodies hash equally whatever their order.
 * Iterative, so a hostile body nested 50,000 deep is fingerprinted instead of overflowing the stack.
 */
export function canonicalJson(value: unknown): string {
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
