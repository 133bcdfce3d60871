// A WarmPool's status from the coordinator's GetWarmPoolStatus answer (pure).
import type { WarmPool, WarmPoolStatus } from "../../api/warmpool.js";
import { setConditions, type ConditionInput } from "../shared/conditions.js";

export interface ModelStatusInput {
  model: string;
  target: number;
  warm: number;
  loading: number;
  failedLoads: number;
}

export function warmPoolStatus(
  pool: WarmPool,
  models: ModelStatusInput[] | undefined,
  problem: { reason: string; message: string } | undefined,
  now: string,
): WarmPoolStatus {
  const m = models?.find((x) => x.model === pool.spec.model);
  const warm = m?.warm ?? 0;
  const target = m?.target ?? pool.spec.minWarmProviders;
  const ready: ConditionInput = problem
    ? { type: "Ready", status: "False", ...problem }
    : warm >= target
      ? {
          type: "Ready",
          status: "True",
          reason: "Warm",
          message: `${warm}/${target} providers warm`,
        }
      : {
          type: "Ready",
          status: "False",
          reason: "Warming",
          message: `${warm}/${target} providers warm`,
        };
  const applied: ConditionInput = problem
    ? { type: "Applied", status: "False", ...problem }
    : {
        type: "Applied",
        status: "True",
        reason: "PolicyApplied",
        message: "the coordinator has this policy",
      };
  const generation = pool.metadata.generation ?? 0;
  return {
    warm,
    loading: m?.loading ?? 0,
    failed: m?.failedLoads ?? 0,
    observedGeneration: generation,
    conditions: setConditions(pool.status?.conditions, [ready, applied], generation, now),
  };
}
