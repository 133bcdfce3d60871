// The Deployment controller of the fake cluster: keeps spec.replicas Pods per Deployment (owned by
// it, labelled with the template hash; a changed template replaces them) and writes the
// Deployment's status from its Pods' readiness. Pods are Ready at once (`immediate`) or when
// something reports their status (`kubelet`).
import { createHash, randomBytes } from "node:crypto";
import type { Cluster } from "./fake-cluster.js";
import { clone, deepEqual, isObject, type JsonObject } from "./fake-json.js";
import { metaOf } from "./fake-store.js";

const SYSTEM = { manager: "fake-deployment-controller", fieldValidation: "Ignore" as const };

const isReady = (pod: JsonObject) =>
  (
    (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ??
    []
  ).some((c) => c.type === "Ready" && c.status === "True");

export function startFakeDeploymentController(
  cluster: Cluster,
  readiness: "immediate" | "kubelet",
): () => void {
  let scheduled: NodeJS.Immediate | undefined;
  let stopped = false;
  const sync = () => {
    scheduled = undefined;
    if (stopped) return;
    const deployments = cluster.typeOf("apps", "v1", "deployments");
    const pods = cluster.typeOf("", "v1", "pods");
    for (const d of cluster.store.list(deployments, undefined)) {
      const meta = metaOf(d);
      if (meta.deletionTimestamp) continue;
      const spec = (d.spec ?? {}) as {
        replicas?: number;
        template?: JsonObject;
        selector?: unknown;
      };
      const template = spec.template ?? {};
      const hash = createHash("sha256").update(JSON.stringify(template)).digest("hex").slice(0, 10);
      const owned = cluster.store
        .list(pods, meta.namespace)
        .filter((p) => (metaOf(p).ownerReferences ?? []).some((r) => r.uid === meta.uid));
      const live = owned.filter((p) => !metaOf(p).deletionTimestamp);
      const current = live.filter((p) => metaOf(p).labels?.["pod-template-hash"] === hash);
      for (const old of live.filter((p) => !current.includes(p)))
        cluster.delete(pods, meta.namespace, metaOf(old).name, "Background");
      const want = spec.replicas ?? 1;
      for (const extra of current.slice(want))
        cluster.delete(pods, meta.namespace, metaOf(extra).name, "Background");
      for (let i = current.length; i < want; i++) {
        const tmeta = (template.metadata ?? {}) as JsonObject;
        const pod: JsonObject = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: `${meta.name}-${hash}-${randomBytes(3).toString("hex").slice(0, 5)}`,
            namespace: meta.namespace ?? "default",
            labels: {
              ...((tmeta.labels as Record<string, string> | undefined) ?? {}),
              "pod-template-hash": hash,
            },
            ...(tmeta.annotations ? { annotations: tmeta.annotations } : {}),
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: "Deployment",
                name: meta.name,
                uid: meta.uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: clone(template.spec ?? {}),
          status:
            readiness === "immediate"
              ? {
                  phase: "Running",
                  podIP: "127.0.0.1",
                  conditions: [
                    { type: "Ready", status: "True", lastTransitionTime: new Date().toISOString() },
                  ],
                }
              : { phase: "Pending" },
        };
        cluster.create(pods, pod, SYSTEM, meta.namespace);
      }
      const now = cluster.store
        .list(pods, meta.namespace)
        .filter(
          (p) =>
            (metaOf(p).ownerReferences ?? []).some((r) => r.uid === meta.uid) &&
            !metaOf(p).deletionTimestamp,
        );
      const updated = now.filter((p) => metaOf(p).labels?.["pod-template-hash"] === hash);
      const ready = now.filter(isReady).length;
      const available = updated.filter(isReady).length;
      const status = {
        observedGeneration: meta.generation ?? 1,
        replicas: now.length,
        updatedReplicas: updated.length,
        readyReplicas: ready,
        availableReplicas: available,
        ...(now.length - available > 0 ? { unavailableReplicas: now.length - available } : {}),
        conditions: [
          {
            type: "Available",
            status: available >= want ? "True" : "False",
            reason: available >= want ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          },
          {
            type: "Progressing",
            status: "True",
            reason:
              updated.length === want && available >= want
                ? "NewReplicaSetAvailable"
                : "ReplicaSetUpdated",
          },
        ],
      };
      if (!deepEqual(d.status ?? null, status))
        cluster.write(deployments, meta.namespace, meta.name, "status", SYSTEM, (cur) => ({
          ...cur,
          status,
        }));
    }
  };
  const schedule = () => {
    if (!scheduled && !stopped) scheduled = setImmediate(sync);
  };
  cluster.afterChange.push(schedule);
  schedule();
  return () => {
    stopped = true;
    if (scheduled) clearImmediate(scheduled);
  };
}

export const podIsReady = (pod: unknown) => isObject(pod) && isReady(pod);
