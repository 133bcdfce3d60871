import { admitModelLoad } from "../admission/model-load.js";

export const MAX_MODELS_PER_PROVIDER = 3;

export interface PoolProvider {
  id: string;
  ramBytes: number;
  /** The provider's own figure (heartbeat `free_for_load_gb`); undefined when not reported. */
  freeForLoadBytes?: number;
  /** Models the provider has on disk (registered), with their weight sizes. */
  available: ReadonlyMap<string, number>;
  loaded: ReadonlySet<string>;
  loading: ReadonlySet<string>;
  /** Models with requests running right now (never unloaded). */
  busy: ReadonlySet<string>;
  /** Models whose last load on this provider failed (not retried there). */
  failed: ReadonlySet<string>;
}

export interface PoolTarget {
  model: string;
  minWarm: number;
}

export type PoolAction =
  | { kind: "load"; providerId: string; model: string }
  | { kind: "unload"; providerId: string; model: string };

const sizeOf = (p: PoolProvider, models: Iterable<string>): number => {
  let n = 0;
  for (const m of models) n += p.available.get(m) ?? 0;
  return n;
};

/**
 * Desired (targets) vs observed (providers) → actions. For each model short of its target, load
 * it on providers that have it on disk, fewest models first, respecting ≤ 3 models per provider and
 * memory admission; a provider with no room may first unload one idle model that no target needs.
 */
export function reconcile(
  targets: readonly PoolTarget[],
  providers: readonly PoolProvider[],
): PoolAction[] {
  const actions: PoolAction[] = [];
  const targeted = new Set(targets.map((t) => t.model));
  const state = new Map(
    providers.map((p) => [p.id, { resident: new Set([...p.loaded, ...p.loading]) }]),
  );
  for (const t of targets) {
    let warm = providers.filter((p) => state.get(p.id)?.resident.has(t.model)).length;
    const candidates = providers
      .filter(
        (p) =>
          p.available.has(t.model) &&
          !p.failed.has(t.model) &&
          !state.get(p.id)?.resident.has(t.model),
      )
      .sort(
        (a, b) =>
          (state.get(a.id)?.resident.size ?? 0) - (state.get(b.id)?.resident.size ?? 0) ||
          b.ramBytes - a.ramBytes,
      );
    for (const p of candidates) {
      if (warm >= t.minWarm) break;
      const resident = state.get(p.id)?.resident ?? new Set<string>();
      const incoming = p.available.get(t.model) ?? 0;
      const fits = (set: Set<string>): boolean =>
        set.size < MAX_MODELS_PER_PROVIDER &&
        admitModelLoad({
          ramBytes: p.ramBytes,
          residentBytes: sizeOf(p, set),
          incomingBytes: incoming,
        }) &&
        // The provider's own free-memory figure, when reported, gates a load without an unload.
        (set !== resident || p.freeForLoadBytes === undefined || incoming <= p.freeForLoadBytes);
      if (!fits(resident)) {
        const victim = [...resident].find(
          (m) => !targeted.has(m) && !p.busy.has(m) && p.loaded.has(m),
        );
        if (!victim) continue;
        const after = new Set(resident);
        after.delete(victim);
        if (!fits(after)) continue;
        actions.push({ kind: "unload", providerId: p.id, model: victim });
        resident.delete(victim);
      }
      actions.push({ kind: "load", providerId: p.id, model: t.model });
      resident.add(t.model);
      warm++;
    }
  }
  return actions;
}
