// The Coordinator custom resource: schema (the CRD is generated from it) and its TypeScript type.
import { conditions, type ObjectMeta } from "./common.js";
import { COORDINATOR_SETTINGS } from "./coordinator-settings.js";
import {
  arr,
  bool,
  enumOf,
  int32,
  int64,
  intOrString,
  mapOf,
  obj,
  str,
  type Infer,
} from "./schema.js";

const secretKeyRef = obj(
  {
    name: str({ minLength: 1, description: "Name of a Secret in the Coordinator's namespace." }),
    key: str({ minLength: 1, description: "Key inside the Secret." }),
  },
  ["name", "key"],
);

export const coordinatorSpec = obj(
  {
    image: str({ minLength: 1, description: "Container image of the coordinator, without tag." }),
    version: str({ minLength: 1, description: "Image tag (the coordinator version)." }),
    replicas: int32({ minimum: 0, description: "Fixed number of replicas (or use autoscaling)." }),
    autoscaling: obj(
      {
        minReplicas: int32({ minimum: 1 }),
        maxReplicas: int32({ minimum: 1 }),
        targetActiveStreamsPerReplica: int32({
          minimum: 1,
          description: "Streams per replica the HorizontalPodAutoscaler aims for.",
        }),
      },
      ["minReplicas", "maxReplicas", "targetActiveStreamsPerReplica"],
      {
        "x-kubernetes-validations": [
          {
            rule: "self.minReplicas <= self.maxReplicas",
            message: "autoscaling.minReplicas must not exceed autoscaling.maxReplicas",
          },
        ],
      },
    ),
    database: obj(
      {
        secretRef: obj(
          {
            name: str({ minLength: 1 }),
            key: str({ default: "url", description: "Key holding the Postgres URL." }),
          },
          ["name"],
        ),
      },
      ["secretRef"],
    ),
    secrets: obj(
      {
        prefixHashSecret: secretKeyRef,
        keyEncryptionKey: secretKeyRef,
        adminKey: secretKeyRef,
        peerSecret: secretKeyRef,
      },
      ["prefixHashSecret", "keyEncryptionKey", "adminKey", "peerSecret"],
    ),
    resources: obj({
      limits: mapOf(intOrString()),
      requests: mapOf(intOrString()),
    }),
    service: obj(
      {
        type: enumOf(["ClusterIP", "NodePort", "LoadBalancer"] as const, { default: "ClusterIP" }),
        port: int32({ minimum: 1, maximum: 65535, default: 8080 }),
      },
      [],
      { default: {} },
    ),
    metrics: obj(
      {
        serviceMonitor: bool({ default: false }),
        port: int32({ minimum: 1, maximum: 65535, default: 9464 }),
      },
      [],
      { default: {} },
    ),
    terminationGracePeriodSeconds: int64({
      minimum: 0,
      default: 600,
      description: "Covers the longest stream: SIGTERM drains before the pod is killed.",
    }),
    config: arr(
      obj(
        {
          name: enumOf(COORDINATOR_SETTINGS),
          value: str(),
        },
        ["name", "value"],
      ),
      { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] },
    ),
  },
  ["image", "version", "database", "secrets"],
  {
    "x-kubernetes-validations": [
      {
        rule: "!(has(self.replicas) && has(self.autoscaling))",
        message: "set either replicas or autoscaling, not both",
      },
    ],
  },
);

export const coordinatorStatus = obj({
  replicas: int32({ minimum: 0 }),
  readyReplicas: int32({ minimum: 0 }),
  selector: str({ description: "Label selector of the pods (for the scale subresource)." }),
  endpoints: obj({
    api: str({ description: "In-cluster URL of the API." }),
    peers: str({ description: "Headless Service name replicas reach each other through." }),
  }),
  observedGeneration: int64({ minimum: 0 }),
  conditions,
});

export type CoordinatorSpec = Infer<typeof coordinatorSpec>;
export type CoordinatorStatus = Infer<typeof coordinatorStatus>;
export type CoordinatorSetting = (typeof COORDINATOR_SETTINGS)[number];

export interface Coordinator {
  apiVersion: "darkbloom.dev/v1alpha1";
  kind: "Coordinator";
  metadata: ObjectMeta;
  spec: CoordinatorSpec;
  status?: CoordinatorStatus;
}
