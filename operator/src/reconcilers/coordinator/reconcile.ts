// Coordinator reconcile (pure): from the spec and what exists, the objects to apply, the owned
// objects to delete, the finalizer change and the status to write.
import type { Coordinator, CoordinatorStatus } from "../../api/coordinator.js";
import type { KubeObject } from "../../kube/index.js";
import { finalizerAction, type FinalizerAction } from "../shared/finalizer.js";
import { desiredObjects, type DesiredOptions } from "./desired.js";
import { coordinatorStatus } from "./status.js";

export interface Observed {
  /** Objects this Coordinator owns (controller owner reference), any kind. */
  owned: KubeObject[];
  deployment?: KubeObject;
}

export interface CoordinatorActions {
  apply: KubeObject[];
  delete: KubeObject[];
  finalizer: FinalizerAction;
  status?: CoordinatorStatus;
}

const id = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`;

/** Deletion order when the Coordinator goes: the autoscaler first, so it does not fight the teardown. */
const TEARDOWN_ORDER = ["HorizontalPodAutoscaler", "Deployment"];

export function reconcileCoordinator(
  c: Coordinator,
  observed: Observed,
  options: DesiredOptions & { now: string; reconcileError?: string },
): CoordinatorActions {
  if (c.metadata.deletionTimestamp) {
    const first = observed.owned.filter((o) => TEARDOWN_ORDER.includes(o.kind));
    const rest = observed.owned.filter((o) => !TEARDOWN_ORDER.includes(o.kind));
    return {
      apply: [],
      delete: first.length
        ? first.sort((a, b) => TEARDOWN_ORDER.indexOf(a.kind) - TEARDOWN_ORDER.indexOf(b.kind))
        : rest,
      finalizer: finalizerAction(c.metadata, observed.owned.length === 0),
    };
  }
  const desired = desiredObjects(c, options);
  const wanted = new Set(desired.map(id));
  return {
    apply: desired,
    delete: observed.owned.filter((o) => !wanted.has(id(o))),
    finalizer: finalizerAction(c.metadata, false),
    status: coordinatorStatus(c, observed.deployment, options.reconcileError, options.now),
  };
}
