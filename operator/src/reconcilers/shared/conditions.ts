// metav1.Condition bookkeeping: lastTransitionTime moves only when the status changes.
import type { Condition } from "../../api/common.js";

export interface ConditionInput {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

export function setConditions(
  previous: Condition[] | undefined,
  next: ConditionInput[],
  observedGeneration: number,
  now: string,
): Condition[] {
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    return {
      ...c,
      observedGeneration,
      lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now,
    };
  });
}
