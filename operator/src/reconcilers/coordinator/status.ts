// A Coordinator's status from its observed Deployment (pure).
import type { Coordinator, CoordinatorStatus } from "../../api/coordinator.js";
import type { KubeObject } from "../../kube/index.js";
import { setConditions, type ConditionInput } from "../shared/conditions.js";
import { names, selectorString } from "./names.js";

interface DeploymentView {
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
  };
}

export function coordinatorStatus(
  c: Coordinator,
  deployment: KubeObject | undefined,
  reconcileError: string | undefined,
  now: string,
): CoordinatorStatus {
  const d = (deployment ?? {}) as DeploymentView;
  const generation = c.metadata.generation ?? 0;
  const desired = c.spec.replicas ?? d.spec?.replicas ?? c.spec.autoscaling?.minReplicas ?? 1;
  const st = d.status ?? {};
  const replicas = st.replicas ?? 0;
  const ready = st.readyReplicas ?? 0;
  const updated = st.updatedReplicas ?? 0;
  const deploymentCurrent =
    deployment !== undefined &&
    (st.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0);
  const rollingOut = !deploymentCurrent || updated < desired || replicas !== desired;
  const allReady =
    deploymentCurrent && ready >= desired && updated >= desired && replicas === desired;
  const conditions: ConditionInput[] = [
    allReady && desired > 0
      ? {
          type: "Ready",
          status: "True",
          reason: "ReplicasReady",
          message: `${ready}/${desired} replicas ready`,
        }
      : {
          type: "Ready",
          status: "False",
          reason: desired === 0 ? "ScaledToZero" : "ReplicasNotReady",
          message: `${ready}/${desired} replicas ready`,
        },
    rollingOut
      ? {
          type: "Progressing",
          status: "True",
          reason: "RollingOut",
          message: `${updated}/${desired} replicas updated`,
        }
      : {
          type: "Progressing",
          status: "False",
          reason: "RolloutComplete",
          message: "every replica runs the current spec",
        },
    reconcileError
      ? { type: "Degraded", status: "True", reason: "ReconcileFailed", message: reconcileError }
      : !rollingOut && ready < desired
        ? {
            type: "Degraded",
            status: "True",
            reason: "ReplicasUnavailable",
            message: `${desired - ready} replicas not ready`,
          }
        : { type: "Degraded", status: "False", reason: "AsExpected", message: "" },
  ];
  const ns = c.metadata.namespace ?? "default";
  const n = names(c);
  return {
    replicas,
    readyReplicas: ready,
    selector: selectorString(c),
    endpoints: {
      api: `http://${n.service}.${ns}.svc:${c.spec.service?.port ?? 8080}`,
      peers: `${n.peers}.${ns}.svc`,
    },
    observedGeneration: generation,
    conditions: setConditions(c.status?.conditions, conditions, generation, now),
  };
}
