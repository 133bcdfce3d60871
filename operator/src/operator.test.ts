import { expect } from "chai";
import { FakeKubeApi } from "../testing/fake-kube-api/index.js";
import { call, eventually } from "../testing/http-helpers.js";
import { kubectl } from "../testing/kubectl.js";
import { coordinatorSample, CRDS_YAML, SERVICE_MONITOR_CRD } from "../testing/samples.js";
import { loadOperatorConfig } from "./config.js";
import { Operator } from "./operator.js";

const NS = "/api/v1/namespaces/default";
const APPS = "/apis/apps/v1/namespaces/default";
const CRS = "/apis/darkbloom.dev/v1alpha1/namespaces/default/coordinators";

interface Obj {
  metadata: {
    name: string;
    uid: string;
    generation?: number;
    finalizers?: string[];
    ownerReferences?: { uid: string; controller?: boolean }[];
    resourceVersion: string;
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

async function get(api: FakeKubeApi, path: string): Promise<Obj | undefined> {
  const r = await call(api.url, "GET", path);
  return r.status === 200 ? (r.body as unknown as Obj) : undefined;
}

const ready = (c: Obj | undefined) =>
  (
    (c?.status?.conditions as
      { type: string; status: string; observedGeneration: number }[] | undefined) ?? []
  ).find(
    (x) =>
      x.type === "Ready" && x.status === "True" && x.observedGeneration === c?.metadata.generation,
  );

describe("operator against the fake API server", function () {
  this.timeout(30_000);
  let api: FakeKubeApi;
  let operator: Operator;
  const logs: string[] = [];

  beforeEach(async () => {
    api = await FakeKubeApi.start();
    const k = kubectl(api.url);
    await k.ok(["apply", "--server-side", "-f", "-"], CRDS_YAML);
    k.close();
    operator = new Operator(
      loadOperatorConfig({
        DARKBLOOM_OPERATOR_KUBE_SERVER: api.url,
        DARKBLOOM_OPERATOR_LEASE_DURATION_MS: "3000",
        DARKBLOOM_OPERATOR_RETRY_PERIOD_MS: "200",
        DARKBLOOM_OPERATOR_BACKOFF_BASE_MS: "50",
        DARKBLOOM_OPERATOR_BACKOFF_MAX_MS: "1000",
        DARKBLOOM_OPERATOR_WATCH_RESTART_DELAY_MS: "100",
        POD_NAME: "op-test",
      }),
      {
        log: (level, message, fields) =>
          logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
        onLostLease: () => {},
      },
    );
    operator.start();
  });

  afterEach(async () => {
    await operator.stop();
    await api.close();
  });

  it("creates the owned objects of a Coordinator with owner references and reports Ready with the observed generation", async () => {
    await call(api.url, "POST", CRS, coordinatorSample("main", { replicas: 2 }));
    const c = await eventually(
      async () => {
        const x = await get(api, `${CRS}/main`);
        return ready(x) ? x : undefined;
      },
      20_000,
      "Ready",
    );
    expect(c.status).to.deep.include({
      replicas: 2,
      readyReplicas: 2,
      selector: "app.kubernetes.io/name=darkbloom-coordinator,app.kubernetes.io/instance=main",
    });
    expect(c.status?.endpoints).to.deep.equal({
      api: "http://main.default.svc:8080",
      peers: "main-peers.default.svc",
    });
    expect(c.metadata.finalizers).to.include("darkbloom.dev/cleanup");
    for (const path of [
      `${APPS}/deployments/main`,
      `${NS}/services/main`,
      `${NS}/services/main-peers`,
      `${NS}/configmaps/main-config`,
      "/apis/policy/v1/namespaces/default/poddisruptionbudgets/main",
    ]) {
      const o = await get(api, path);
      expect(o, path).to.not.equal(undefined);
      expect(o?.metadata.ownerReferences?.[0]).to.deep.include({
        uid: c.metadata.uid,
        controller: true,
      });
    }
    expect(
      await get(api, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/main"),
    ).to.equal(undefined);
    const events = (await call(api.url, "GET", `${NS}/events`)).body as {
      items: { reason: string; involvedObject: { name: string } }[];
    };
    expect(
      events.items.some((e) => e.reason === "Applied" && e.involvedObject.name === "main"),
    ).to.equal(true);
  });

  it("puts back a Deployment someone edited (drift), taking the fields back from the other manager", async () => {
    await call(api.url, "POST", CRS, coordinatorSample());
    await eventually(async () => ready(await get(api, `${CRS}/main`)), 20_000, "Ready");
    const edit = await call(
      api.url,
      "PATCH",
      `${APPS}/deployments/main?fieldManager=kubectl-edit`,
      { spec: { replicas: 5, template: { spec: { terminationGracePeriodSeconds: 1 } } } },
      "application/merge-patch+json",
    );
    expect(edit.status).to.equal(200);
    await eventually(
      async () => {
        const d = await get(api, `${APPS}/deployments/main`);
        const spec = d?.spec as
          | { replicas: number; template: { spec: { terminationGracePeriodSeconds: number } } }
          | undefined;
        return spec?.replicas === 1 && spec.template.spec.terminationGracePeriodSeconds === 600
          ? true
          : undefined;
      },
      20_000,
      "the Deployment to be put back",
    );
  });

  it("follows spec changes: a new version rolls the image; autoscaling adds an HPA and leaves replicas to it; a ServiceMonitor once its CRD exists", async () => {
    await call(
      api.url,
      "POST",
      CRS,
      coordinatorSample("main", { metrics: { serviceMonitor: true } }),
    );
    await eventually(async () => ready(await get(api, `${CRS}/main`)), 20_000, "Ready");
    await call(
      api.url,
      "PATCH",
      `${CRS}/main`,
      {
        spec: {
          version: "0.2.0",
          replicas: null,
          autoscaling: { minReplicas: 2, maxReplicas: 5, targetActiveStreamsPerReplica: 20 },
        },
      },
      "application/merge-patch+json",
    );
    const hpa = await eventually(
      () => get(api, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/main"),
      20_000,
      "the HPA",
    );
    expect(hpa.spec).to.deep.include({ minReplicas: 2, maxReplicas: 5 });
    const d = await eventually(
      async () => {
        const x = await get(api, `${APPS}/deployments/main`);
        const c = (
          x?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined
        )?.template.spec.containers[0];
        return c?.image === "ghcr.io/darkbloom/coordinator:0.2.0" ? x : undefined;
      },
      20_000,
      "the new image",
    );
    const owners = JSON.stringify(
      (
        d.metadata as unknown as { managedFields: { manager: string; fieldsV1: object }[] }
      ).managedFields.find((m) => m.manager === "darkbloom-operator")?.fieldsV1,
    );
    expect(owners).to.not.include('"f:replicas"');
    await call(
      api.url,
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      SERVICE_MONITOR_CRD,
    );
    await call(
      api.url,
      "PATCH",
      `${CRS}/main`,
      { metadata: { labels: { touch: "1" } } },
      "application/merge-patch+json",
    );
    await eventually(
      () => get(api, "/apis/monitoring.coreos.com/v1/namespaces/default/servicemonitors/main"),
      20_000,
      "the ServiceMonitor",
    );
    await call(
      api.url,
      "PATCH",
      `${CRS}/main`,
      { spec: { autoscaling: null, replicas: 1 } },
      "application/merge-patch+json",
    );
    await eventually(
      async () =>
        (await get(api, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/main"))
          ? undefined
          : true,
      20_000,
      "the HPA to go",
    );
  });

  it("on delete, holds the finalizer until the owned objects are gone, then the Coordinator disappears", async () => {
    await call(api.url, "POST", CRS, coordinatorSample());
    await eventually(async () => ready(await get(api, `${CRS}/main`)), 20_000, "Ready");
    await call(api.url, "DELETE", `${CRS}/main`);
    await eventually(
      async () => ((await get(api, `${CRS}/main`)) ? undefined : true),
      20_000,
      "the Coordinator to go",
    );
    for (const path of [
      `${APPS}/deployments/main`,
      `${NS}/services/main`,
      `${NS}/configmaps/main-config`,
    ])
      expect(await get(api, path), path).to.equal(undefined);
    const pods = (await call(api.url, "GET", `${NS}/pods`)).body as { items: unknown[] };
    expect(pods.items).to.deep.equal([]);
  });

  it("keeps working after the watch history is compacted and the watches drop (relist on 410)", async () => {
    await call(api.url, "POST", CRS, coordinatorSample());
    await eventually(async () => ready(await get(api, `${CRS}/main`)), 20_000, "Ready");
    api.compact();
    api.dropWatches();
    await call(api.url, "POST", CRS, coordinatorSample("second"));
    await eventually(
      async () => ready(await get(api, `${CRS}/second`)),
      20_000,
      "the second Coordinator Ready",
    );
  });
});
