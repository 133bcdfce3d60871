// Sample objects for operator tests: the CRDs, a Coordinator and the Secrets it names.
import { stringify } from "yaml";
import { CRD_FILES, renderCrdYaml } from "../src/api/crds.js";

export const CRDS_YAML = Object.values(CRD_FILES).map(renderCrdYaml).join("---\n");

export const SERVICE_MONITOR_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "servicemonitors.monitoring.coreos.com" },
  spec: {
    group: "monitoring.coreos.com",
    scope: "Namespaced",
    names: {
      kind: "ServiceMonitor",
      plural: "servicemonitors",
      singular: "servicemonitor",
      listKind: "ServiceMonitorList",
    },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
      },
    ],
  },
};

export function coordinatorSample(name = "main", spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "darkbloom.dev/v1alpha1",
    kind: "Coordinator",
    metadata: { name, namespace: "default" },
    spec: {
      image: "ghcr.io/darkbloom/coordinator",
      version: "0.1.0",
      replicas: 1,
      database: { secretRef: { name: "darkbloom-db" } },
      secrets: {
        prefixHashSecret: { name: "darkbloom-secrets", key: "prefixHashSecret" },
        keyEncryptionKey: { name: "darkbloom-secrets", key: "keyEncryptionKey" },
        adminKey: { name: "darkbloom-secrets", key: "adminKey" },
        peerSecret: { name: "darkbloom-secrets", key: "peerSecret" },
      },
      ...spec,
    },
  };
}

export function secretsSample(values: Record<string, string>, name = "darkbloom-secrets") {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: "default" },
    type: "Opaque",
    data: Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
    ),
  };
}

export const toYaml = (...objects: object[]) => objects.map((o) => stringify(o)).join("---\n");
