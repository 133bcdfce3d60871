type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Canonical JSON (keys sorted, no whitespace) — byte-identical to the coordinator's
 * services/attestation/src/identity/canonical-json.ts; both are pinned by the same test vector.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value as Json));
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, Json> = {};
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
