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

/** JSON with object keys sorted at every depth: equal bodies hash equally whatever their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
