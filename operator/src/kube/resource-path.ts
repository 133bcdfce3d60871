// REST paths of the kinds the operator touches.
export interface KindRef {
  apiVersion: string;
  kind: string;
}

const PLURALS: Record<string, string> = {
  Namespace: "namespaces",
  ConfigMap: "configmaps",
  Secret: "secrets",
  Service: "services",
  Pod: "pods",
  Event: "events",
  Deployment: "deployments",
  PodDisruptionBudget: "poddisruptionbudgets",
  HorizontalPodAutoscaler: "horizontalpodautoscalers",
  Lease: "leases",
  ServiceMonitor: "servicemonitors",
  Coordinator: "coordinators",
  WarmPool: "warmpools",
  CustomResourceDefinition: "customresourcedefinitions",
};

export function pluralOf(kind: string): string {
  const p = PLURALS[kind];
  if (!p) throw new Error(`no REST path known for kind ${kind}`);
  return p;
}

/** Collection path (no name) or object path; `namespace` undefined = all namespaces / cluster-scoped. */
export function resourcePath(
  ref: KindRef,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const n = name ? `/${encodeURIComponent(name)}` : "";
  const sub = name && subresource ? `/${subresource}` : "";
  return `${base}${ns}/${pluralOf(ref.kind)}${n}${sub}`;
}
