// Every WarmPool of one Coordinator combined into the coordinator's warm-pool policy (pure).
import type { WarmPool } from "../../api/warmpool.js";
import { effectiveMinWarm, nextBoundary } from "./schedule.js";

/** proto WarmPoolTarget's fields (RoutingService.SetWarmPoolPolicy). */
export interface WarmPoolTargetInput {
  model: string;
  minWarmProviders: number;
  maxWarmProviders: number;
  targetUtilizationPercent: number;
  maxLoadsPerMinute: number;
}

/** 0 means "no limit" for these fields: the tighter of two limits is the smaller non-zero one. */
const tighter = (a: number, b: number) => (a === 0 ? b : b === 0 ? a : Math.min(a, b));
/** For a ceiling where 0 = none, the looser of two: none wins. */
const looser = (a: number, b: number) => (a === 0 || b === 0 ? 0 : Math.max(a, b));

/**
 * One target per model. WarmPools naming the same model combine: the highest floor, the loosest
 * ceiling, the lowest utilization target and the tightest load rate. A floor above the ceiling is
 * raised to it (the ceiling wins, so the coordinator never receives min > max).
 */
export function warmPoolPolicy(
  pools: WarmPool[],
  coordinator: string,
  now: Date,
): WarmPoolTargetInput[] {
  const byModel = new Map<string, WarmPoolTargetInput>();
  for (const p of pools) {
    if (p.spec.coordinatorRef.name !== coordinator || p.metadata.deletionTimestamp) continue;
    const next: WarmPoolTargetInput = {
      model: p.spec.model,
      minWarmProviders: effectiveMinWarm(p.spec, now),
      maxWarmProviders: p.spec.maxWarmProviders ?? 0,
      targetUtilizationPercent: p.spec.targetUtilizationPercent ?? 0,
      maxLoadsPerMinute: p.spec.maxLoadsPerMinute ?? 0,
    };
    const prev = byModel.get(next.model);
    byModel.set(
      next.model,
      prev
        ? {
            model: next.model,
            minWarmProviders: Math.max(prev.minWarmProviders, next.minWarmProviders),
            maxWarmProviders: looser(prev.maxWarmProviders, next.maxWarmProviders),
            targetUtilizationPercent: tighter(
              prev.targetUtilizationPercent,
              next.targetUtilizationPercent,
            ),
            maxLoadsPerMinute: tighter(prev.maxLoadsPerMinute, next.maxLoadsPerMinute),
          }
        : next,
    );
  }
  return [...byModel.values()]
    .map((t) =>
      t.maxWarmProviders > 0 && t.minWarmProviders > t.maxWarmProviders
        ? { ...t, minWarmProviders: t.maxWarmProviders }
        : t,
    )
    .sort((a, b) => (a.model < b.model ? -1 : 1));
}

/**
 * When the policy of `coordinator` may change next by the clock alone: the earliest schedule
 * boundary of its (not deleted) WarmPools. The operator reconciles again then.
 */
export function nextPolicyChange(
  pools: WarmPool[],
  coordinator: string,
  now: Date,
): Date | undefined {
  let next: Date | undefined;
  for (const p of pools) {
    if (p.spec.coordinatorRef.name !== coordinator || p.metadata.deletionTimestamp) continue;
    const b = nextBoundary(p.spec, now);
    if (b && (!next || b < next)) next = b;
  }
  return next;
}

/** What one WarmPool reconcile of a coordinator does: the policy to send, and when to look again. */
export interface WarmPoolPlan {
  targets: WarmPoolTargetInput[];
  /** Milliseconds until the next schedule boundary; undefined when no window can change the policy. */
  requeueAfterMs: number | undefined;
}

export function planWarmPools(pools: WarmPool[], coordinator: string, now: Date): WarmPoolPlan {
  const next = nextPolicyChange(pools, coordinator, now);
  return {
    targets: warmPoolPolicy(pools, coordinator, now),
    requeueAfterMs: next ? next.getTime() - now.getTime() : undefined,
  };
}
