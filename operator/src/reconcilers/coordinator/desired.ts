// The objects a Coordinator should own, computed from its spec alone (pure).
// Reason for length: one builder per owned kind, each a literal object, kept side by side.
import { createHash } from "node:crypto";
import type { Coordinator } from "../../api/coordinator.js";
import type { KubeObject, OwnerReference } from "../../kube/index.js";
import { CONTAINER, labels, names, selectorLabels } from "./names.js";

/**
 * The Pods metric the HorizontalPodAutoscaler scales on: the coordinator's gauge of consumer
 * inference requests open on a replica (services/coordinator/src/active-streams.ts), served to the
 * HPA by a metrics adapter (see docs/kubernetes.md).
 */
export const STREAMS_METRIC = "darkbloom_active_streams";

export const DEFAULTS = {
  servicePort: 8080,
  metricsPort: 9464,
  terminationGracePeriodSeconds: 600,
  /** Seconds between SIGTERM's drain deadline and the kill: the process needs time to exit. */
  exitMarginSeconds: 15,
  /** preStop pause so endpoints drop the pod before it drains. */
  preStopSleepSeconds: 5,
} as const;

export interface DesiredOptions {
  /** The monitoring.coreos.com ServiceMonitor CRD is installed. */
  serviceMonitorCrd: boolean;
}

export function ownerReference(c: Coordinator): OwnerReference {
  return {
    apiVersion: c.apiVersion,
    kind: c.kind,
    name: c.metadata.name,
    uid: c.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

function meta(c: Coordinator, name: string) {
  return {
    name,
    namespace: c.metadata.namespace ?? "default",
    labels: labels(c),
    ownerReferences: [ownerReference(c)],
  };
}

const ports = (c: Coordinator) => ({
  http: c.spec.service?.port ?? DEFAULTS.servicePort,
  metrics: c.spec.metrics?.port ?? DEFAULTS.metricsPort,
});

/** Settings that are not secret: the ConfigMap the pods read with envFrom. */
export function configData(c: Coordinator): Record<string, string> {
  const grace = c.spec.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
  const data: Record<string, string> = {
    DARKBLOOM_HOST: "0.0.0.0",
    DARKBLOOM_PORT: String(ports(c).http),
    DARKBLOOM_METRICS_HOST: "0.0.0.0",
    DARKBLOOM_METRICS_PORT: String(ports(c).metrics),
    DARKBLOOM_DATA_DIR: "/data",
    DARKBLOOM_PEERS: "true",
    DARKBLOOM_SHUTDOWN_GRACE_MS: String(
      Math.max(0, grace - DEFAULTS.preStopSleepSeconds - DEFAULTS.exitMarginSeconds) * 1000,
    ),
  };
  for (const { name, value } of c.spec.config ?? []) data[name] = value;
  return data;
}

function secretEnv(name: string, ref: { name: string; key: string }) {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

export function desiredConfigMap(c: Coordinator): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(c, names(c).config),
    data: configData(c),
  };
}

export function desiredDeployment(c: Coordinator): KubeObject {
  const { http, metrics } = ports(c);
  const s = c.spec.secrets;
  const configHash = createHash("sha256")
    .update(JSON.stringify(configData(c)))
    .digest("hex")
    .slice(0, 16);
  const n = names(c);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(c, n.deployment),
    spec: {
      // With autoscaling the HorizontalPodAutoscaler owns replicas: the operator leaves the field alone.
      ...(c.spec.autoscaling ? {} : { replicas: c.spec.replicas ?? 1 }),
      selector: { matchLabels: selectorLabels(c) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: labels(c), annotations: { "darkbloom.dev/config-hash": configHash } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds:
            c.spec.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: CONTAINER,
              image: `${c.spec.image}:${c.spec.version}`,
              ports: [
                { name: "http", containerPort: http, protocol: "TCP" },
                { name: "metrics", containerPort: metrics, protocol: "TCP" },
              ],
              envFrom: [{ configMapRef: { name: n.config } }],
              env: [
                { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                // The replica's name in presence is its pod's; peers reach it at its pod address
                // (what the headless Service resolves to), so no DNS is needed between replicas.
                { name: "DARKBLOOM_REPLICA_ID", value: "$(POD_NAME)" },
                { name: "DARKBLOOM_ADVERTISE_URL", value: `http://$(POD_IP):${http}` },
                secretEnv("DATABASE_URL", {
                  name: c.spec.database.secretRef.name,
                  key: c.spec.database.secretRef.key ?? "url",
                }),
                secretEnv("DARKBLOOM_PREFIX_HASH_SECRET", s.prefixHashSecret),
                secretEnv("DARKBLOOM_KEY_ENCRYPTION_KEY", s.keyEncryptionKey),
                secretEnv("DARKBLOOM_PEER_SECRET", s.peerSecret),
              ],
              readinessProbe: {
                httpGet: { path: "/readyz", port: "http" },
                periodSeconds: 5,
                failureThreshold: 2,
                timeoutSeconds: 2,
              },
              livenessProbe: {
                httpGet: { path: "/healthz", port: "http" },
                initialDelaySeconds: 10,
                periodSeconds: 10,
                failureThreshold: 3,
                timeoutSeconds: 2,
              },
              // SIGTERM drains (the process leaves presence and finishes streams); the pause first lets
              // the endpoints controller take the pod out of the Service.
              lifecycle: { preStop: { sleep: { seconds: DEFAULTS.preStopSleepSeconds } } },
              resources: c.spec.resources ?? {},
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "data", emptyDir: {} },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
    },
  };
}

export function desiredService(c: Coordinator): KubeObject {
  const { http, metrics } = ports(c);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(c, names(c).service),
    spec: {
      type: c.spec.service?.type ?? "ClusterIP",
      selector: selectorLabels(c),
      ports: [
        { name: "http", port: http, targetPort: "http", protocol: "TCP" },
        { name: "metrics", port: metrics, targetPort: "metrics", protocol: "TCP" },
      ],
    },
  };
}

export function desiredPeersService(c: Coordinator): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(c, names(c).peers),
    spec: {
      clusterIP: "None",
      // Replicas find each other while starting, before they are ready.
      publishNotReadyAddresses: true,
      selector: selectorLabels(c),
      ports: [{ name: "http", port: ports(c).http, targetPort: "http", protocol: "TCP" }],
    },
  };
}

export function desiredPdb(c: Coordinator): KubeObject {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: meta(c, names(c).pdb),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(c) } },
  };
}

export function desiredHpa(c: Coordinator): KubeObject | undefined {
  const a = c.spec.autoscaling;
  if (!a) return undefined;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: meta(c, names(c).hpa),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: names(c).deployment },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [
        {
          type: "Pods",
          pods: {
            metric: { name: STREAMS_METRIC },
            target: { type: "AverageValue", averageValue: String(a.targetActiveStreamsPerReplica) },
          },
        },
      ],
      // Streams last minutes: scale down slowly so draining replicas are not replaced in a loop.
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 600,
          policies: [{ type: "Pods", value: 1, periodSeconds: 120 }],
        },
      },
    },
  };
}

export function desiredServiceMonitor(c: Coordinator, o: DesiredOptions): KubeObject | undefined {
  if (!c.spec.metrics?.serviceMonitor || !o.serviceMonitorCrd) return undefined;
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: meta(c, names(c).serviceMonitor),
    spec: {
      selector: { matchLabels: selectorLabels(c) },
      endpoints: [{ port: "metrics", path: "/metrics", interval: "30s" }],
    },
  };
}

/** Everything the Coordinator should own, in apply order. */
export function desiredObjects(c: Coordinator, o: DesiredOptions): KubeObject[] {
  return [
    desiredConfigMap(c),
    desiredService(c),
    desiredPeersService(c),
    desiredDeployment(c),
    desiredPdb(c),
    desiredHpa(c),
    desiredServiceMonitor(c, o),
  ].filter((x): x is KubeObject => x !== undefined);
}
