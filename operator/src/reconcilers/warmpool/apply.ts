// WarmPool reconcile, the I/O shell: every WarmPool of one Coordinator becomes its warm-pool
// policy (RoutingService.SetWarmPoolPolicy with the admin key from the Coordinator's Secret); the
// answer of GetWarmPoolStatus goes into each WarmPool's status. A WarmPool holds the finalizer until
// a policy without it has been applied.
import type { Coordinator } from "../../api/coordinator.js";
import type { WarmPool } from "../../api/warmpool.js";
import type { EventRecorder } from "../../events.js";
import { isNotFound, type KubeClient, type KubeObject } from "../../kube/index.js";
import { finalizerAction, withFinalizer } from "../shared/finalizer.js";
import { planWarmPools } from "./policy.js";
import { routingClient } from "./routing-client.js";
import { warmPoolStatus, type ModelStatusInput } from "./status.js";

const COORDINATOR = { apiVersion: "darkbloom.dev/v1alpha1", kind: "Coordinator" };
const WARMPOOL = { apiVersion: "darkbloom.dev/v1alpha1", kind: "WarmPool" };
const SECRET = { apiVersion: "v1", kind: "Secret" };

export interface WarmPoolReconcilerDeps {
  client: KubeClient;
  events: EventRecorder;
  /** Base URL of a coordinator's API; default: its Service's in-cluster DNS name. */
  coordinatorUrl?: (c: { name: string; namespace: string; port: number }) => string;
  now?: () => Date;
}

const defaultUrl = (c: { name: string; namespace: string; port: number }) =>
  `http://${c.name}.${c.namespace}.svc:${c.port}`;
const stamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, "Z");

async function adminKey(client: KubeClient, c: Coordinator): Promise<string> {
  const ref = c.spec.secrets.adminKey;
  const secret = await client.get<KubeObject & { data?: Record<string, string> }>(
    SECRET,
    c.metadata.namespace,
    ref.name,
  );
  const b64 = secret.data?.[ref.key];
  if (!b64) throw new Error(`Secret ${ref.name} has no key ${ref.key}`);
  return Buffer.from(b64, "base64").toString("utf8").trim();
}

/**
 * Reconciles the warm-pool policy of the Coordinator `namespace/name`. Throws to be retried; on
 * success answers when to run again (the next schedule boundary), if ever.
 */
export async function reconcileWarmPoolsKey(
  deps: WarmPoolReconcilerDeps,
  namespace: string,
  name: string,
): Promise<{ requeueAfterMs: number | undefined }> {
  const { client } = deps;
  const now = deps.now?.() ?? new Date();
  const pools = (await client.list<WarmPool & KubeObject>(WARMPOOL, namespace)).items
    .map(
      (p) =>
        ({ ...p, apiVersion: WARMPOOL.apiVersion, kind: WARMPOOL.kind }) as WarmPool & KubeObject,
    )
    .filter((p) => p.spec.coordinatorRef.name === name);
  if (pools.length === 0) return { requeueAfterMs: undefined };
  const plan = planWarmPools(pools, name, now);
  for (const p of pools) {
    if (finalizerAction(p.metadata, false) === "add")
      await client.mergePatch(WARMPOOL, namespace, p.metadata.name, {
        metadata: {
          finalizers: withFinalizer(p.metadata.finalizers, "add"),
          resourceVersion: p.metadata.resourceVersion,
        },
      });
  }
  let coordinator: Coordinator | undefined;
  try {
    coordinator = await client.get<Coordinator & KubeObject>(COORDINATOR, namespace, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  let models: ModelStatusInput[] | undefined;
  let problem: { reason: string; message: string } | undefined;
  if (!coordinator || coordinator.metadata.deletionTimestamp) {
    problem = { reason: "CoordinatorNotFound", message: `Coordinator ${name} does not exist` };
  } else {
    try {
      const url = (deps.coordinatorUrl ?? defaultUrl)({
        name,
        namespace,
        port: coordinator.spec.service?.port ?? 8080,
      });
      const routing = routingClient(url, await adminKey(client, coordinator));
      await routing.setWarmPoolPolicy({ targets: plan.targets });
      models = (await routing.getWarmPoolStatus({})).models;
    } catch (err) {
      problem = { reason: "CoordinatorUnreachable", message: (err as Error).message };
    }
  }
  for (const p of pools) {
    if (p.metadata.deletionTimestamp) {
      // Its target left the policy above (or there is no coordinator to clean): let it go.
      if (!problem || problem.reason === "CoordinatorNotFound")
        await client.mergePatch(WARMPOOL, namespace, p.metadata.name, {
          metadata: {
            finalizers: withFinalizer(p.metadata.finalizers, "remove"),
            resourceVersion: p.metadata.resourceVersion,
          },
        });
      continue;
    }
    const status = warmPoolStatus(p, models, problem, stamp(now));
    if (JSON.stringify(strip(status)) !== JSON.stringify(strip(p.status ?? {})))
      await client.mergePatch(WARMPOOL, namespace, p.metadata.name, { status }, "status");
  }
  if (problem && problem.reason !== "CoordinatorNotFound") {
    await deps.events.record(pools[0] as KubeObject, "Warning", problem.reason, problem.message);
    throw new Error(problem.message);
  }
  return { requeueAfterMs: plan.requeueAfterMs };
}

function strip(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (k, x: unknown) => (k === "lastTransitionTime" ? undefined : x)),
  );
}
