// Names and labels of the objects a Coordinator owns.
import type { Coordinator } from "../../api/coordinator.js";

export const MANAGED_BY = "darkbloom-operator";
export const CONTAINER = "coordinator";

export const names = (c: Coordinator) => ({
  deployment: c.metadata.name,
  service: c.metadata.name,
  peers: `${c.metadata.name}-peers`,
  config: `${c.metadata.name}-config`,
  pdb: c.metadata.name,
  hpa: c.metadata.name,
  serviceMonitor: c.metadata.name,
});

export const selectorLabels = (c: Coordinator): Record<string, string> => ({
  "app.kubernetes.io/name": "darkbloom-coordinator",
  "app.kubernetes.io/instance": c.metadata.name,
});

export const labels = (c: Coordinator): Record<string, string> => ({
  ...selectorLabels(c),
  "app.kubernetes.io/version": c.spec.version,
  "app.kubernetes.io/component": "coordinator",
  "app.kubernetes.io/part-of": "darkbloom",
  "app.kubernetes.io/managed-by": MANAGED_BY,
});

export const selectorString = (c: Coordinator) =>
  Object.entries(selectorLabels(c))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
