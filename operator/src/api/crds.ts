// The CustomResourceDefinitions, built from the schemas in this folder. charts/darkbloom/crds/*.yaml
// is this output (write-crds.ts writes it; crds.test.ts fails when it drifts).
import { stringify } from "yaml";
import { GROUP, VERSION } from "./common.js";
import { coordinatorSpec, coordinatorStatus } from "./coordinator.js";
import type { JsonSchema } from "./schema.js";
import { warmPoolSpec, warmPoolStatus } from "./warmpool.js";

export interface CrdObject {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: "Namespaced";
    versions: {
      name: string;
      served: true;
      storage: true;
      schema: { openAPIV3Schema: JsonSchema };
      subresources: {
        status: Record<string, never>;
        scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
      };
      additionalPrinterColumns: {
        name: string;
        type: string;
        jsonPath: string;
        description?: string;
      }[];
    }[];
  };
}

function rootSchema(spec: JsonSchema, status: JsonSchema, description: string): JsonSchema {
  return {
    type: "object",
    description,
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec,
      status,
    },
    required: ["spec"],
  };
}

const labels = { "app.kubernetes.io/part-of": "darkbloom" };

export const coordinatorCrd: CrdObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `coordinators.${GROUP}`, labels },
  spec: {
    group: GROUP,
    names: {
      kind: "Coordinator",
      listKind: "CoordinatorList",
      plural: "coordinators",
      singular: "coordinator",
      shortNames: ["dbc"],
      categories: ["darkbloom"],
    },
    scope: "Namespaced",
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: rootSchema(
            coordinatorSpec.schema,
            coordinatorStatus.schema,
            "A Darkbloom coordinator deployment: its replicas, secrets, service and settings.",
          ),
        },
        subresources: {
          status: {},
          scale: {
            specReplicasPath: ".spec.replicas",
            statusReplicasPath: ".status.replicas",
            labelSelectorPath: ".status.selector",
          },
        },
        additionalPrinterColumns: [
          { name: "Replicas", type: "integer", jsonPath: ".status.replicas" },
          { name: "Ready", type: "integer", jsonPath: ".status.readyReplicas" },
          { name: "Version", type: "string", jsonPath: ".spec.version" },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
      },
    ],
  },
};

export const warmPoolCrd: CrdObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `warmpools.${GROUP}`, labels },
  spec: {
    group: GROUP,
    names: {
      kind: "WarmPool",
      listKind: "WarmPoolList",
      plural: "warmpools",
      singular: "warmpool",
      shortNames: ["dbwp"],
      categories: ["darkbloom"],
    },
    scope: "Namespaced",
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: rootSchema(
            warmPoolSpec.schema,
            warmPoolStatus.schema,
            "Warm-pool policy for one model on a Coordinator: providers kept with the model loaded.",
          ),
        },
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "Coordinator", type: "string", jsonPath: ".spec.coordinatorRef.name" },
          { name: "Model", type: "string", jsonPath: ".spec.model" },
          { name: "Warm", type: "integer", jsonPath: ".status.warm" },
          { name: "Loading", type: "integer", jsonPath: ".status.loading" },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
      },
    ],
  },
};

export const CRD_FILES = {
  "coordinators.yaml": coordinatorCrd,
  "warmpools.yaml": warmPoolCrd,
} as const;

export function renderCrdYaml(crd: CrdObject): string {
  return (
    "# Generated from operator/src/api by `npm run gen:operator`; do not edit.\n" +
    stringify(crd, { lineWidth: 0 })
  );
}
