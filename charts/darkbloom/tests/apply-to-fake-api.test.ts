// The chart and the fake Kubernetes API checked together: the chart's CRDs and its `helm template`
// output go through the real kubectl 1.31 (`apply --server-side`) into the operator's fake API
// server, then `kubectl get` / `wait` read them back, and the operator turns the chart's Coordinator
// into a Ready deployment. A field the fake drops, a kind it does not know or a chart object the
// CRD schema refuses fails here.
import { Operator, loadOperatorConfig } from "@darkbloom/operator";
import { expect } from "chai";
import path from "node:path";
import { FakeKubeApi } from "../../../operator/testing/fake-kube-api/index.js";
import { kubectl, type Kubectl } from "../../../operator/testing/kubectl.js";
import { CHART, helm, parseManifests, valuesArgs, type KubeObject } from "../../testing/helm.js";

const NS = "darkbloom";

/** Every field the chart rendered is in what the server returns (the server may add more). */
function missingFields(rendered: unknown, stored: unknown, at = ""): string[] {
  if (Array.isArray(rendered)) {
    if (!Array.isArray(stored) || stored.length !== rendered.length) return [at];
    return rendered.flatMap((r, i) => missingFields(r, stored[i], `${at}[${i}]`));
  }
  if (rendered !== null && typeof rendered === "object") {
    if (stored === null || typeof stored !== "object") return [at];
    return Object.entries(rendered).flatMap(([k, v]) =>
      missingFields(v, (stored as Record<string, unknown>)[k], `${at}.${k}`),
    );
  }
  return rendered === stored ? [] : [at];
}

/** kubectl's resource name for a kind (`kind.group`, so kinds of two groups never mix). */
const resourceOf = (o: KubeObject) => {
  const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
  return group ? `${o.kind.toLowerCase()}.${group}` : o.kind.toLowerCase();
};

describe("charts/darkbloom on the fake Kubernetes API through the real kubectl apply --server-side", function () {
  this.timeout(120_000);
  let api: FakeKubeApi;
  let k: Kubectl;
  let operator: Operator | undefined;

  beforeEach(async () => {
    api = await FakeKubeApi.start();
    k = kubectl(api.url);
    await k.ok(["create", "namespace", NS]);
    // The CRDs as the chart ships them (charts/darkbloom/crds), the way docs/kubernetes.md upgrades them.
    const crds = await k.ok(["apply", "--server-side", "-f", path.join(CHART, "crds")]);
    expect(crds).to.include(
      "customresourcedefinition.apiextensions.k8s.io/coordinators.darkbloom.dev serverside-applied",
    );
    await k.ok([
      "wait",
      "--for=condition=Established",
      "crd/coordinators.darkbloom.dev",
      "crd/warmpools.darkbloom.dev",
      "--timeout=20s",
    ]);
  });

  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
    k.close();
    await api.close();
  });

  const startOperator = () => {
    operator = new Operator(
      loadOperatorConfig({
        DARKBLOOM_OPERATOR_KUBE_SERVER: api.url,
        DARKBLOOM_OPERATOR_LEASE_NAMESPACE: NS,
        DARKBLOOM_OPERATOR_LEASE_DURATION_MS: "3000",
        DARKBLOOM_OPERATOR_RETRY_PERIOD_MS: "200",
        DARKBLOOM_OPERATOR_WATCH_RESTART_DELAY_MS: "100",
        POD_NAME: "chart-test",
      }),
      { log: () => {}, onLostLease: () => {} },
    );
    operator.start();
  };

  /** `helm template` of the chart as the release `darkbloom`, applied with kubectl; the parsed objects. */
  const install = async (values: string[]): Promise<KubeObject[]> => {
    const rendered = await helm([
      "template",
      "darkbloom",
      CHART,
      "--namespace",
      NS,
      ...valuesArgs(values),
    ]);
    if (rendered.code !== 0) throw new Error(`helm template failed:\n${rendered.stderr}`);
    const objects = parseManifests(rendered.stdout);
    const out = await k.ok(["apply", "--server-side", "-n", NS, "-f", "-"], rendered.stdout);
    for (const o of objects)
      expect(out, `${o.kind}/${o.metadata.name}`).to.match(
        new RegExp(
          `^${resourceOf(o).replace(/\./g, "\\.")}/${o.metadata.name} serverside-applied$`,
          "m",
        ),
      );
    return objects;
  };

  /** Each rendered object read back with kubectl get: every field the chart set is stored as set. */
  const expectStoredAsRendered = async (objects: KubeObject[]) => {
    for (const o of objects) {
      const stored = JSON.parse(
        await k.ok([
          "get",
          "-n",
          NS,
          `${resourceOf(o)}/${o.metadata.name}`,
          "-o",
          "json",
          "--show-managed-fields",
        ]),
      ) as KubeObject & { metadata: { managedFields?: { manager: string; operation: string }[] } };
      const { metadata, ...rest } = o;
      const expected = {
        ...rest,
        metadata: {
          ...metadata,
          namespace: metadata.namespace ?? (isClusterScoped(o) ? undefined : NS),
        },
      };
      if (expected.metadata.namespace === undefined) delete expected.metadata.namespace;
      expect(missingFields(expected, stored), `${o.kind}/${o.metadata.name}`).to.deep.equal([]);
      expect(stored.metadata.managedFields?.[0], `${o.kind}/${o.metadata.name}`).to.deep.include({
        manager: "kubectl",
        operation: "Apply",
      });
    }
  };

  it("default values: every object stored as rendered, the operator Deployment Available, and the operator makes the chart's Coordinator Ready", async () => {
    const objects = await install([]);
    await expectStoredAsRendered(objects);
    await k.ok([
      "wait",
      "-n",
      NS,
      "--for=condition=Available",
      "deployment/darkbloom-operator",
      "--timeout=30s",
    ]);
    expect(await k.ok(["get", "-n", NS, "coordinators", "-o", "name"])).to.equal(
      "coordinator.darkbloom.dev/darkbloom\n",
    );

    startOperator();
    await k.ok([
      "wait",
      "-n",
      NS,
      "--for=condition=Ready",
      "coordinator/darkbloom",
      "--timeout=60s",
    ]);
    const status = JSON.parse(
      await k.ok(["get", "-n", NS, "coordinator/darkbloom", "-o", "jsonpath={.status}"]),
    ) as { readyReplicas?: number; endpoints?: { api?: string } };
    expect(status.readyReplicas).to.equal(2);
    // The CRD's printer columns over the status the operator wrote: NAME REPLICAS READY VERSION AGE.
    expect(await k.ok(["get", "-n", NS, "coordinators"])).to.match(
      /^darkbloom\s+2\s+2\s+\S+\s+\S+$/m,
    );
    expect(status.endpoints?.api).to.equal(`http://darkbloom.${NS}.svc:8080`);
    // The Deployment the operator made reads the Secrets the chart generated.
    const env = JSON.parse(
      await k.ok([
        "get",
        "-n",
        NS,
        "deployment/darkbloom",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].env}",
      ]),
    ) as { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
    const secretKeys = async (name: string) =>
      Object.keys(
        (
          JSON.parse(await k.ok(["get", "-n", NS, `secret/${name}`, "-o", "json"])) as {
            data: object;
          }
        ).data,
      );
    for (const e of env.filter((x) => x.valueFrom?.secretKeyRef)) {
      const ref = e.valueFrom?.secretKeyRef as { name: string; key: string };
      expect(await secretKeys(ref.name), e.name).to.include(ref.key);
    }
  });

  it("production values: autoscaling Coordinator, WarmPools, Ingress and NetworkPolicies stored as rendered; kubectl get prints the WarmPools; the operator's HPA targets the chart's active streams per replica", async () => {
    const objects = await install(["ci/production-values.yaml"]);
    await expectStoredAsRendered(objects);
    const coordinator = JSON.parse(
      await k.ok(["get", "-n", NS, "coordinator/darkbloom", "-o", "jsonpath={.spec}"]),
    ) as { replicas?: number; autoscaling?: { targetActiveStreamsPerReplica: number } };
    expect(coordinator.replicas).to.equal(undefined);
    expect(coordinator.autoscaling?.targetActiveStreamsPerReplica).to.be.a("number");
    const pools = objects.filter((o) => o.kind === "WarmPool").map((o) => o.metadata.name);
    expect(pools).to.not.be.empty;
    const table = await k.ok(["get", "-n", NS, "warmpools", "-o", "name"]);
    expect(table.trim().split("\n").sort()).to.deep.equal(
      pools.map((p) => `warmpool.darkbloom.dev/${p}`).sort(),
    );
    await k.ok([
      "wait",
      "-n",
      NS,
      "--for=condition=Available",
      "deployment/darkbloom-operator",
      "--timeout=30s",
    ]);

    startOperator();
    await k.ok(["wait", "-n", NS, "--for=create", "hpa/darkbloom", "--timeout=60s"]);
    const hpa = JSON.parse(await k.ok(["get", "-n", NS, "hpa/darkbloom", "-o", "json"])) as {
      spec: { minReplicas: number; maxReplicas: number; metrics: unknown[] };
    };
    expect(hpa.spec).to.deep.include({ minReplicas: 3, maxReplicas: 12 });
    expect(hpa.spec.metrics).to.deep.equal([
      {
        type: "Pods",
        pods: {
          metric: { name: "darkbloom_active_streams" },
          target: { type: "AverageValue", averageValue: "48" },
        },
      },
    ]);
    expect(coordinator.autoscaling?.targetActiveStreamsPerReplica).to.equal(48);
  });
});

function isClusterScoped(o: KubeObject): boolean {
  return o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding" || o.kind === "Namespace";
}
