// The kinds the fake API server serves: the built-in table, plus kinds that installed
// CustomResourceDefinitions make servable.
import type { JsonSchema } from "../../src/api/schema.js";

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
}

export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  status: boolean;
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  /** Structural schema of a custom kind (validation, pruning, defaulting). */
  schema?: JsonSchema;
  printerColumns: PrinterColumn[];
  /** Custom kinds refuse strategic merge patches (415), as the real server does. */
  custom: boolean;
}

export const typeKey = (group: string, plural: string) => `${group}/${plural}`;
export const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);

function builtin(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  options: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    status: false,
    printerColumns: [],
    custom: false,
    ...options,
  };
}

const deploymentScale = {
  specReplicasPath: ".spec.replicas",
  statusReplicasPath: ".status.replicas",
  labelSelectorPath: ".status.selector",
};

export const BUILTIN_TYPES: ResourceType[] = [
  builtin("", "v1", "Namespace", "namespaces", false, { status: true, shortNames: ["ns"] }),
  builtin("", "v1", "ConfigMap", "configmaps", true, { shortNames: ["cm"] }),
  builtin("", "v1", "Secret", "secrets", true),
  builtin("", "v1", "Service", "services", true, { status: true, shortNames: ["svc"] }),
  builtin("", "v1", "ServiceAccount", "serviceaccounts", true, { shortNames: ["sa"] }),
  builtin("", "v1", "Pod", "pods", true, { status: true, shortNames: ["po"] }),
  builtin("", "v1", "Event", "events", true, { shortNames: ["ev"] }),
  builtin("", "v1", "Endpoints", "endpoints", true, { shortNames: ["ep"] }),
  builtin("apps", "v1", "Deployment", "deployments", true, {
    status: true,
    shortNames: ["deploy"],
    scale: deploymentScale,
  }),
  builtin("apps", "v1", "StatefulSet", "statefulsets", true, {
    status: true,
    shortNames: ["sts"],
    scale: deploymentScale,
  }),
  builtin("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, {
    status: true,
    shortNames: ["pdb"],
  }),
  builtin("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, {
    status: true,
    shortNames: ["hpa"],
  }),
  builtin("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
  builtin("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
  builtin("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
  builtin("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
  builtin("coordination.k8s.io", "v1", "Lease", "leases", true),
  builtin("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, {
    shortNames: ["netpol"],
  }),
  builtin("networking.k8s.io", "v1", "Ingress", "ingresses", true, {
    status: true,
    shortNames: ["ing"],
  }),
  builtin(
    "apiextensions.k8s.io",
    "v1",
    "CustomResourceDefinition",
    "customresourcedefinitions",
    false,
    {
      status: true,
      shortNames: ["crd", "crds"],
    },
  ),
];

interface CrdLike {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular?: string; shortNames?: string[] };
    versions: {
      name: string;
      served: boolean;
      schema?: { openAPIV3Schema?: JsonSchema };
      subresources?: { status?: object; scale?: ResourceType["scale"] };
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
}

/** The kinds one CRD serves (one per served version). */
export function typesOfCrd(crd: CrdLike): ResourceType[] {
  const { group, names, scope } = crd.spec;
  return crd.spec.versions
    .filter((v) => v.served)
    .map((v) => ({
      group,
      version: v.name,
      kind: names.kind,
      plural: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      namespaced: scope === "Namespaced",
      shortNames: names.shortNames ?? [],
      status: v.subresources?.status !== undefined,
      ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}),
      ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema } : {}),
      printerColumns: v.additionalPrinterColumns ?? [],
      custom: true,
    }));
}
