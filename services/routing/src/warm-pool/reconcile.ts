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
  /** Providers kept warm whatever the traffic (the floor). */
  minWarm: number;
  /** Never more warm providers than this; 0 or absent: no ceiling. */
  maxWarm?: number;
  /** Above this share (1-100) of warm providers busy, one more is warmed; 0 or absent: off. */
  targetUtilizationPercent?: number;
  /** Loads this reconcile may still start for the model (the per-minute limit); absent: any. */
  loadBudget?: number;
}

/**
 * How many providers should have the model warm: the floor, one more than the loaded ones when
 * their slots are busier than the target utilization, never above the ceiling. A provider's slot
 * for the model counts as busy when it runs or queues a request of it.
 */
export function desiredWarm(t: PoolTarget, providers: readonly PoolProvider[]): number {
  const loaded = providers.filter((p) => p.loaded.has(t.model));
  let want = t.minWarm;
  const target = t.targetUtilizationPercent ?? 0;
  if (target > 0 && loaded.length > 0) {
    const busy = loaded.filter((p) => p.busy.has(t.model)).length;
    if (busy * 100 > target * loaded.length) want = Math.max(want, loaded.length + 1);
  }
  return t.maxWarm ? Math.min(want, t.maxWarm) : want;
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
 * Desired (targets) vs observed (providers) → actions. For each model short of its desired count
 * (`desiredWarm`), load it on providers that have it on disk, fewest models first, respecting ≤ 3
 * models per provider, memory admission and the load budget; a provider with no room may first
 * unload one idle model that no target needs. A model above its ceiling loses idle copies.
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
    const want = desiredWarm(t, providers);
    let budget = t.loadBudget ?? Infinity;
    // Above the ceiling: idle copies are unloaded (never one with requests running).
    if (t.maxWarm && warm > t.maxWarm) {
      for (const p of providers) {
        if (warm <= t.maxWarm) break;
        if (!p.loaded.has(t.model) || p.busy.has(t.model) || p.loading.has(t.model)) continue;
        actions.push({ kind: "unload", providerId: p.id, model: t.model });
        state.get(p.id)?.resident.delete(t.model);
        warm--;
      }
      continue;
    }
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
      if (warm >= want || budget <= 0) break;
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
      budget--;
    }
  }
  return actions;
}
