// The permissions the operator needs, as data: operator/rbac-rules.json is this (write-rbac.ts
// writes it; rbac.test.ts fails on drift) and the Helm chart renders its ClusterRole and Role from it.
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const OWNED = ["get", "list", "watch", "create", "patch", "update", "delete"];

export const RBAC_RULES = {
  /** ClusterRole (or a Role per namespace when the operator watches one namespace). */
  clusterRole: [
    {
      apiGroups: ["darkbloom.dev"],
      resources: ["coordinators", "warmpools"],
      verbs: ["get", "list", "watch", "patch", "update"],
    },
    {
      apiGroups: ["darkbloom.dev"],
      resources: ["coordinators/status", "warmpools/status"],
      verbs: ["get", "patch", "update"],
    },
    // Owner references with blockOwnerDeletion need update on the owner's finalizers subresource.
    { apiGroups: ["darkbloom.dev"], resources: ["coordinators/finalizers"], verbs: ["update"] },
    { apiGroups: [""], resources: ["configmaps", "services"], verbs: OWNED },
    // Only the admin key the WarmPool reconcile presents to the coordinator; never list or watch.
    { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
    { apiGroups: ["apps"], resources: ["deployments"], verbs: OWNED },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: OWNED },
    { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: OWNED },
    { apiGroups: ["monitoring.coreos.com"], resources: ["servicemonitors"], verbs: OWNED },
    {
      apiGroups: ["apiextensions.k8s.io"],
      resources: ["customresourcedefinitions"],
      verbs: ["get"],
      resourceNames: ["servicemonitors.monitoring.coreos.com"],
    },
  ] satisfies PolicyRule[],
  /** Role in the operator's own namespace: leader election. */
  leaderElectionRole: [
    {
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      verbs: ["get", "create", "update"],
    },
  ] satisfies PolicyRule[],
};

export const renderRbacJson = () => JSON.stringify(RBAC_RULES, null, 2) + "\n";
