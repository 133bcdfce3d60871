import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
// Reason for length: table tests, one case per row.
import { expect } from "chai";
import type { Coordinator } from "../../api/coordinator.js";
import type { KubeObject } from "../../kube/index.js";
import { FINALIZER } from "../shared/finalizer.js";
import { STREAMS_METRIC } from "./desired.js";
import { reconcileCoordinator } from "./reconcile.js";

const NOW = "2026-12-01T10:00:00Z";

function coordinator(
  spec: Partial<Coordinator["spec"]> = {},
  meta: Partial<Coordinator["metadata"]> = {},
): Coordinator {
  return {
    apiVersion: "darkbloom.dev/v1alpha1",
    kind: "Coordinator",
    metadata: {
      name: "main",
      namespace: "prod",
      uid: "uid-1",
      generation: 3,
      finalizers: [FINALIZER],
      ...meta,
    },
    spec: {
      image: "ghcr.io/darkbloom/coordinator",
      version: "1.2.3",
      replicas: 2,
      database: { secretRef: { name: "db", key: "url" } },
      secrets: {
        prefixHashSecret: { name: "s", key: "prefix" },
        keyEncryptionKey: { name: "s", key: "kek" },
        adminKey: { name: "s", key: "admin" },
        peerSecret: { name: "s", key: "peer" },
      },
      ...spec,
    },
  };
}

const deployment = (status: Record<string, number>, generation = 4, replicas = 2): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "main", namespace: "prod", generation },
  spec: { replicas },
  status,
});

type Container = {
  image: string;
  env: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  readinessProbe: { httpGet: { path: string } };
  livenessProbe: { httpGet: { path: string } };
  lifecycle: unknown;
  securityContext: {
    readOnlyRootFilesystem: boolean;
    runAsNonRoot: boolean;
    allowPrivilegeEscalation: boolean;
  };
};

const kinds = (objs: KubeObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`);
const deploymentOf = (objs: KubeObject[]) =>
  objs.find((o) => o.kind === "Deployment") as KubeObject & {
    spec: {
      replicas?: number;
      template: { spec: { containers: Container[]; terminationGracePeriodSeconds: number } };
    };
  };

describe("reconcileCoordinator (pure)", () => {
  it("wants ConfigMap, Service, headless peers Service, Deployment and PDB for fixed replicas; no HPA", () => {
    const a = reconcileCoordinator(
      coordinator(),
      { owned: [] },
      { serviceMonitorCrd: false, now: NOW },
    );
    expect(kinds(a.apply)).to.deep.equal([
      "ConfigMap/main-config",
      "Service/main",
      "Service/main-peers",
      "Deployment/main",
      "PodDisruptionBudget/main",
    ]);
    const peers = a.apply.find((o) => o.metadata.name === "main-peers") as KubeObject & {
      spec: { clusterIP: string; publishNotReadyAddresses: boolean };
    };
    expect(peers.spec).to.deep.include({ clusterIP: "None", publishNotReadyAddresses: true });
    for (const o of a.apply)
      expect(o.metadata.ownerReferences).to.deep.equal([
        {
          apiVersion: "darkbloom.dev/v1alpha1",
          kind: "Coordinator",
          name: "main",
          uid: "uid-1",
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
  });

  it("builds the pod: image:version, secrets as env per CRDS.md, peers on, probes on /readyz and /healthz, drain and hardened security context", () => {
    const d = deploymentOf(
      reconcileCoordinator(
        coordinator({ terminationGracePeriodSeconds: 900 }),
        { owned: [] },
        { serviceMonitorCrd: false, now: NOW },
      ).apply,
    );
    const c = d.spec.template.spec.containers[0] as Container;
    expect(c.image).to.equal("ghcr.io/darkbloom/coordinator:1.2.3");
    const env = Object.fromEntries(
      c.env.map((e) => [e.name, e.value ?? e.valueFrom?.secretKeyRef]),
    );
    expect(env).to.deep.include({
      DATABASE_URL: { name: "db", key: "url" },
      DARKBLOOM_PREFIX_HASH_SECRET: { name: "s", key: "prefix" },
      DARKBLOOM_KEY_ENCRYPTION_KEY: { name: "s", key: "kek" },
      DARKBLOOM_PEER_SECRET: { name: "s", key: "peer" },
      DARKBLOOM_ADVERTISE_URL: "http://$(POD_IP):8080",
      DARKBLOOM_REPLICA_ID: "$(POD_NAME)",
    });
    // $(VAR) expands only variables defined earlier in the list.
    expect(c.env.findIndex((e) => e.name === "POD_IP")).to.be.below(
      c.env.findIndex((e) => e.name === "DARKBLOOM_ADVERTISE_URL"),
    );
    expect(c.env.findIndex((e) => e.name === "POD_NAME")).to.be.below(
      c.env.findIndex((e) => e.name === "DARKBLOOM_REPLICA_ID"),
    );
    expect(c.readinessProbe.httpGet.path).to.equal("/readyz");
    expect(c.livenessProbe.httpGet.path).to.equal("/healthz");
    expect(c.lifecycle).to.deep.equal({ preStop: { sleep: { seconds: 5 } } });
    expect(c.securityContext).to.deep.include({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
    });
    expect(d.spec.template.spec.terminationGracePeriodSeconds).to.equal(900);
    const cm = reconcileCoordinator(
      coordinator({ terminationGracePeriodSeconds: 900 }),
      { owned: [] },
      { serviceMonitorCrd: false, now: NOW },
    ).apply[0] as KubeObject & { data: Record<string, string> };
    expect(cm.data).to.deep.include({
      DARKBLOOM_PEERS: "true",
      DARKBLOOM_SHUTDOWN_GRACE_MS: String((900 - 20) * 1000),
    });
  });

  it("puts spec.config into the ConfigMap and rolls the pods when it changes (config hash annotation)", () => {
    const hash = (c: Coordinator) =>
      (
        deploymentOf(
          reconcileCoordinator(c, { owned: [] }, { serviceMonitorCrd: false, now: NOW }).apply,
        ).spec.template as unknown as { metadata: { annotations: Record<string, string> } }
      ).metadata.annotations["darkbloom.dev/config-hash"];
    const a = coordinator({ config: [{ name: "DARKBLOOM_QUEUE_MAX_DEPTH", value: "64" }] });
    const cm = reconcileCoordinator(a, { owned: [] }, { serviceMonitorCrd: false, now: NOW })
      .apply[0] as KubeObject & { data: Record<string, string> };
    expect(cm.data.DARKBLOOM_QUEUE_MAX_DEPTH).to.equal("64");
    expect(hash(a)).to.not.equal(
      hash(coordinator({ config: [{ name: "DARKBLOOM_QUEUE_MAX_DEPTH", value: "65" }] })),
    );
  });

  const hpaCases: {
    name: string;
    autoscaling: {
      minReplicas: number;
      maxReplicas: number;
      targetActiveStreamsPerReplica: number;
    };
  }[] = [
    {
      name: "2..6 replicas at 50 streams each",
      autoscaling: { minReplicas: 2, maxReplicas: 6, targetActiveStreamsPerReplica: 50 },
    },
    {
      name: "a fixed size (min = max) at 1 stream each",
      autoscaling: { minReplicas: 3, maxReplicas: 3, targetActiveStreamsPerReplica: 1 },
    },
  ];
  for (const tc of hpaCases)
    it(`with autoscaling (${tc.name}): an autoscaling/v2 HPA on the Deployment, averaging darkbloom_active_streams per pod to the spec's target; the Deployment leaves replicas to it`, () => {
      const a = reconcileCoordinator(
        coordinator({ replicas: undefined, autoscaling: tc.autoscaling }),
        { owned: [] },
        { serviceMonitorCrd: false, now: NOW },
      );
      expect(deploymentOf(a.apply).spec.replicas).to.equal(undefined);
      const hpa = a.apply.find((o) => o.kind === "HorizontalPodAutoscaler") as KubeObject & {
        spec: unknown;
      };
      expect(hpa.apiVersion).to.equal("autoscaling/v2");
      expect(hpa.metadata.ownerReferences?.[0]?.kind).to.equal("Coordinator");
      expect(hpa.spec).to.deep.equal({
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "main" },
        minReplicas: tc.autoscaling.minReplicas,
        maxReplicas: tc.autoscaling.maxReplicas,
        metrics: [
          {
            type: "Pods",
            pods: {
              metric: { name: "darkbloom_active_streams" },
              target: {
                type: "AverageValue",
                averageValue: String(tc.autoscaling.targetActiveStreamsPerReplica),
              },
            },
          },
        ],
        behavior: {
          scaleDown: {
            stabilizationWindowSeconds: 600,
            policies: [{ type: "Pods", value: 1, periodSeconds: 120 }],
          },
        },
      });
    });

  it("the HPA's metric is one the coordinator really defines (a gauge, per replica)", () => {
    const source = readFileSync(
      fileURLToPath(
        new URL("../../../../services/coordinator/src/active-streams.ts", import.meta.url),
      ),
      "utf8",
    );
    expect(source).to.include(`new Gauge({\n    name: "${STREAMS_METRIC}"`);
  });

  it("wants a ServiceMonitor only when asked for and its CRD is installed", () => {
    const c = coordinator({ metrics: { serviceMonitor: true, port: 9464 } });
    expect(
      kinds(reconcileCoordinator(c, { owned: [] }, { serviceMonitorCrd: false, now: NOW }).apply),
    ).to.not.include("ServiceMonitor/main");
    expect(
      kinds(reconcileCoordinator(c, { owned: [] }, { serviceMonitorCrd: true, now: NOW }).apply),
    ).to.include("ServiceMonitor/main");
  });

  it("deletes owned objects no longer wanted (the HPA after switching back to replicas)", () => {
    const hpa: KubeObject = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "main", namespace: "prod" },
    };
    const a = reconcileCoordinator(
      coordinator(),
      { owned: [hpa] },
      { serviceMonitorCrd: false, now: NOW },
    );
    expect(kinds(a.delete)).to.deep.equal(["HorizontalPodAutoscaler/main"]);
  });

  const statusCases: {
    name: string;
    deployment?: KubeObject;
    ready: string;
    progressing: string;
    degraded: string;
  }[] = [
    { name: "no Deployment yet", ready: "False", progressing: "True", degraded: "False" },
    {
      name: "rolling out (Deployment not observed yet)",
      deployment: deployment({
        observedGeneration: 3,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
      }),
      ready: "False",
      progressing: "True",
      degraded: "False",
    },
    {
      name: "all replicas updated and ready",
      deployment: deployment({
        observedGeneration: 4,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
      }),
      ready: "True",
      progressing: "False",
      degraded: "False",
    },
    {
      name: "updated but one replica not ready",
      deployment: deployment({
        observedGeneration: 4,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 1,
      }),
      ready: "False",
      progressing: "False",
      degraded: "True",
    },
  ];
  for (const tc of statusCases)
    it(`status when ${tc.name}: Ready=${tc.ready} Progressing=${tc.progressing} Degraded=${tc.degraded}`, () => {
      const s = reconcileCoordinator(
        coordinator(),
        { owned: [], ...(tc.deployment ? { deployment: tc.deployment } : {}) },
        { serviceMonitorCrd: false, now: NOW },
      ).status;
      const cond = (t: string) => s?.conditions?.find((c) => c.type === t);
      expect([
        cond("Ready")?.status,
        cond("Progressing")?.status,
        cond("Degraded")?.status,
      ]).to.deep.equal([tc.ready, tc.progressing, tc.degraded]);
      expect(cond("Ready")?.observedGeneration).to.equal(3);
      expect(s?.observedGeneration).to.equal(3);
    });

  it("keeps a condition's lastTransitionTime while its status stays the same", () => {
    const d = deployment({
      observedGeneration: 4,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
    });
    const first = reconcileCoordinator(
      coordinator(),
      { owned: [], deployment: d },
      { serviceMonitorCrd: false, now: NOW },
    ).status;
    const again = reconcileCoordinator(
      coordinator({}, {}),
      { owned: [], deployment: d },
      { serviceMonitorCrd: false, now: "2026-12-01T11:00:00Z" },
    ).status;
    const withPrev = reconcileCoordinator(
      { ...coordinator(), status: first ?? {} },
      { owned: [], deployment: d },
      { serviceMonitorCrd: false, now: "2026-12-01T11:00:00Z" },
    ).status;
    expect(again?.conditions?.[0]?.lastTransitionTime).to.equal("2026-12-01T11:00:00Z");
    expect(withPrev?.conditions?.[0]?.lastTransitionTime).to.equal(NOW);
  });

  it("adds the finalizer to a live Coordinator that lacks it", () => {
    expect(
      reconcileCoordinator(
        coordinator({}, { finalizers: [] }),
        { owned: [] },
        { serviceMonitorCrd: false, now: NOW },
      ).finalizer,
    ).to.equal("add");
  });

  it("on deletion: deletes the HPA and Deployment first, the rest after, and drops the finalizer only when nothing is left", () => {
    const gone = coordinator({}, { deletionTimestamp: NOW });
    const obj = (kind: string, name = "main"): KubeObject => ({
      apiVersion: "v1",
      kind,
      metadata: { name },
    });
    const step1 = reconcileCoordinator(
      gone,
      { owned: [obj("Service"), obj("Deployment"), obj("HorizontalPodAutoscaler")] },
      { serviceMonitorCrd: false, now: NOW },
    );
    expect(kinds(step1.delete)).to.deep.equal(["HorizontalPodAutoscaler/main", "Deployment/main"]);
    expect(step1.apply).to.deep.equal([]);
    expect(step1.finalizer).to.equal("none");
    expect(
      kinds(
        reconcileCoordinator(
          gone,
          { owned: [obj("Service")] },
          { serviceMonitorCrd: false, now: NOW },
        ).delete,
      ),
    ).to.deep.equal(["Service/main"]);
    expect(
      reconcileCoordinator(gone, { owned: [] }, { serviceMonitorCrd: false, now: NOW }).finalizer,
    ).to.equal("remove");
  });
});
