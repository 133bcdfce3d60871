// Coordinator reconcile, the I/O shell: read the Coordinator and what it owns, run the pure
// reconcile, then apply (server-side, forced: the operator owns these fields), delete, move the
// finalizer and write status.
import type { Coordinator } from "../../api/coordinator.js";
import type { EventRecorder } from "../../events.js";
import { isNotFound, type KubeClient, type KubeObject } from "../../kube/index.js";
import { withFinalizer } from "../shared/finalizer.js";
import { names, MANAGED_BY } from "./names.js";
import { reconcileCoordinator } from "./reconcile.js";

const COORDINATOR = { apiVersion: "darkbloom.dev/v1alpha1", kind: "Coordinator" };
const DEPLOYMENT = { apiVersion: "apps/v1", kind: "Deployment" };
const SERVICE_MONITOR_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
};

/** Kinds a Coordinator may own (ServiceMonitor only while its CRD is installed). */
export const OWNED_KINDS = [
  { apiVersion: "v1", kind: "ConfigMap" },
  { apiVersion: "v1", kind: "Service" },
  DEPLOYMENT,
  { apiVersion: "policy/v1", kind: "PodDisruptionBudget" },
  { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" },
];
const SERVICE_MONITOR = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor" };

export interface CoordinatorReconcilerDeps {
  client: KubeClient;
  events: EventRecorder;
}

async function exists(
  client: KubeClient,
  ref: { apiVersion: string; kind: string },
  ns: string | undefined,
  name: string,
) {
  try {
    return await client.get(ref, ns, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function ownedObjects(
  client: KubeClient,
  c: Coordinator,
  serviceMonitorCrd: boolean,
): Promise<KubeObject[]> {
  const selector = `app.kubernetes.io/instance=${c.metadata.name},app.kubernetes.io/managed-by=${MANAGED_BY}`;
  const kinds = serviceMonitorCrd ? [...OWNED_KINDS, SERVICE_MONITOR] : OWNED_KINDS;
  const lists = await Promise.all(kinds.map((k) => client.list(k, c.metadata.namespace, selector)));
  return lists.flatMap((l, i) =>
    l.items
      .filter((o) =>
        (o.metadata.ownerReferences ?? []).some((r) => r.uid === c.metadata.uid && r.controller),
      )
      .map((o) => ({
        ...o,
        apiVersion: (kinds[i] as (typeof OWNED_KINDS)[number]).apiVersion,
        kind: (kinds[i] as (typeof OWNED_KINDS)[number]).kind,
      })),
  );
}

/** Reconciles one Coordinator (nothing when it is gone). Throws to be retried with backoff. */
export async function reconcileCoordinatorKey(
  deps: CoordinatorReconcilerDeps,
  namespace: string,
  name: string,
): Promise<void> {
  const { client, events } = deps;
  const c = (await exists(client, COORDINATOR, namespace, name)) as Coordinator | undefined;
  if (!c) return;
  const about = c as unknown as KubeObject;
  const serviceMonitorCrd =
    (await exists(
      client,
      SERVICE_MONITOR_CRD,
      undefined,
      "servicemonitors.monitoring.coreos.com",
    )) !== undefined;
  const owned = await ownedObjects(client, c, serviceMonitorCrd);
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const actions = reconcileCoordinator(
    c,
    { owned, deployment: owned.find((o) => o.kind === "Deployment") },
    { serviceMonitorCrd, now },
  );

  if (actions.finalizer === "add") {
    await client.mergePatch(COORDINATOR, namespace, name, {
      metadata: {
        finalizers: withFinalizer(c.metadata.finalizers, "add"),
        resourceVersion: c.metadata.resourceVersion,
      },
    });
  }
  const changed: string[] = [];
  let failure: string | undefined;
  try {
    for (const desired of actions.apply) {
      const before = owned.find(
        (o) => o.kind === desired.kind && o.metadata.name === desired.metadata.name,
      );
      const after = await client.apply(desired, { force: true });
      if (after.metadata.resourceVersion !== before?.metadata.resourceVersion)
        changed.push(`${desired.kind}/${desired.metadata.name}`);
    }
  } catch (err) {
    failure = (err as Error).message;
  }
  for (const o of actions.delete) {
    try {
      await client.delete(o, o.metadata.namespace, o.metadata.name);
      changed.push(`-${o.kind}/${o.metadata.name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  if (actions.finalizer === "remove") {
    await client.mergePatch(COORDINATOR, namespace, name, {
      metadata: {
        finalizers: withFinalizer(c.metadata.finalizers, "remove"),
        resourceVersion: c.metadata.resourceVersion,
      },
    });
    await events.record(about, "Normal", "CleanedUp", "owned objects deleted; finalizer removed");
    return;
  }
  if (c.metadata.deletionTimestamp) {
    if (actions.delete.length)
      throw new Error(`waiting for ${actions.delete.length} owned objects to go`);
    return;
  }
  if (changed.length)
    await events.record(about, "Normal", "Applied", `applied ${changed.join(", ")}`);
  if (failure) await events.record(about, "Warning", "ApplyFailed", failure);
  const deployment = await exists(client, DEPLOYMENT, namespace, names(c).deployment);
  const status = reconcileCoordinator(
    c,
    { owned, ...(deployment ? { deployment } : {}) },
    { serviceMonitorCrd, now, ...(failure ? { reconcileError: failure } : {}) },
  ).status;
  if (status && JSON.stringify(stripTimes(status)) !== JSON.stringify(stripTimes(c.status ?? {})))
    await client.mergePatch(COORDINATOR, namespace, name, { status }, "status");
  if (failure) throw new Error(failure);
}

function stripTimes(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (k, x: unknown) => (k === "lastTransitionTime" ? undefined : x)),
  );
}
