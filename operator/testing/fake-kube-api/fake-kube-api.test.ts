// Reason for length: table tests, one case per row.
import { expect } from "chai";
import { call, eventually, watch } from "../http-helpers.js";
import { kubectl, type Kubectl } from "../kubectl.js";
import { coordinatorSample, CRDS_YAML, toYaml } from "../samples.js";
import { FakeKubeApi } from "./fake-kube-api.js";

const CRS = "/apis/darkbloom.dev/v1alpha1/namespaces/default/coordinators";

describe("fake Kubernetes API server driven by the real kubectl 1.31", function () {
  this.timeout(60_000);
  let api: FakeKubeApi;
  let k: Kubectl;

  beforeEach(async () => {
    api = await FakeKubeApi.start({ bookmarkIntervalMs: 100 });
    k = kubectl(api.url);
    await k.ok(["apply", "--server-side", "-f", "-"], CRDS_YAML);
  });

  afterEach(async () => {
    k.close();
    await api.close();
  });

  it("kubectl apply --server-side installs the CRDs: Established, listed by api-resources", async () => {
    await k.ok([
      "wait",
      "--for=condition=Established",
      "crd/coordinators.darkbloom.dev",
      "crd/warmpools.darkbloom.dev",
      "--timeout=20s",
    ]);
    const resources = await k.ok(["api-resources", "--api-group=darkbloom.dev"]);
    expect(resources).to.match(/coordinators\s+dbc\s+darkbloom.dev\/v1alpha1\s+true\s+Coordinator/);
    expect(resources).to.match(/warmpools\s+dbwp\s+darkbloom.dev\/v1alpha1\s+true\s+WarmPool/);
  });

  it("applies a Coordinator with the schema's defaults and prints the CRD's columns", async () => {
    expect(
      await k.ok(["apply", "--server-side", "-f", "-"], toYaml(coordinatorSample())),
    ).to.include("serverside-applied");
    const c = JSON.parse(await k.ok(["get", "coordinator/main", "-o", "json"])) as {
      spec: Record<string, unknown>;
      metadata: { generation: number };
    };
    expect(c.spec.service).to.deep.equal({ type: "ClusterIP", port: 8080 });
    expect(c.spec.terminationGracePeriodSeconds).to.equal(600);
    expect(c.spec.database).to.deep.equal({ secretRef: { name: "darkbloom-db", key: "url" } });
    expect(c.metadata.generation).to.equal(1);
    const table = await k.ok(["get", "dbc"]);
    expect(table.split("\n")[0]).to.match(/^NAME\s+REPLICAS\s+READY\s+VERSION\s+AGE$/);
    expect(table).to.match(/main\s+0\.1\.0/);
  });

  it("rejects both replicas and autoscaling, min above max (CEL) and unknown fields (strict validation)", async () => {
    const both = await k.run(
      ["apply", "--server-side", "-f", "-"],
      toYaml(
        coordinatorSample("both", {
          autoscaling: { minReplicas: 3, maxReplicas: 2, targetActiveStreamsPerReplica: 10 },
        }),
      ),
    );
    expect(both.code).to.not.equal(0);
    expect(both.stderr).to.include("set either replicas or autoscaling, not both");
    expect(both.stderr).to.include(
      "autoscaling.minReplicas must not exceed autoscaling.maxReplicas",
    );
    const unknown = await k.run(
      ["apply", "--server-side", "-f", "-"],
      toYaml(coordinatorSample("typo", { replicaz: 2 })),
    );
    expect(unknown.code).to.not.equal(0);
    expect(unknown.stderr).to.include('unknown field "spec.replicaz"');
    const badConfig = await k.run(
      ["apply", "--server-side", "-f", "-"],
      toYaml(coordinatorSample("badconfig", { config: [{ name: "DARKBLOOM_PORT", value: "1" }] })),
    );
    expect(badConfig.code).to.not.equal(0);
    expect(badConfig.stderr).to.include("Unsupported value");
    expect((await call(api.url, "GET", CRS)).body.items).to.deep.equal([]);
  });

  it("kubectl scale writes spec.replicas through the scale subresource and bumps the generation", async () => {
    await k.ok(["apply", "--server-side", "-f", "-"], toYaml(coordinatorSample()));
    expect(await k.ok(["scale", "coordinator/main", "--replicas", "3"])).to.include("scaled");
    const c = (await call(api.url, "GET", `${CRS}/main`)).body as {
      spec: { replicas: number };
      metadata: { generation: number };
    };
    expect(c.spec.replicas).to.equal(3);
    expect(c.metadata.generation).to.equal(2);
    const scale = (await call(api.url, "GET", `${CRS}/main/scale`)).body;
    expect(scale).to.deep.include({ kind: "Scale", apiVersion: "autoscaling/v1" });
  });

  it("kubectl wait --for=condition=Ready returns once the status subresource reports it; status writes leave the spec alone", async () => {
    await k.ok(["apply", "--server-side", "-f", "-"], toYaml(coordinatorSample()));
    const waiting = k.run(["wait", "--for=condition=Ready", "coordinator/main", "--timeout=30s"]);
    const status = {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "ReplicasReady",
          message: "1/1",
          lastTransitionTime: "2026-01-01T00:00:00Z",
          observedGeneration: 1,
        },
      ],
    };
    const r = await call(
      api.url,
      "PATCH",
      `${CRS}/main/status`,
      { status, spec: { replicas: 9 } },
      "application/merge-patch+json",
    );
    expect(r.status).to.equal(200);
    const done = await waiting;
    expect(done.code, done.stderr).to.equal(0);
    expect(done.stdout).to.include("condition met");
    const c = (await call(api.url, "GET", `${CRS}/main`)).body as {
      spec: { replicas: number };
      metadata: { generation: number };
    };
    expect(c.spec.replicas).to.equal(1);
    expect(c.metadata.generation).to.equal(1);
  });

  it("kubectl get -w prints the change a kubectl scale makes", async () => {
    await k.ok(["apply", "--server-side", "-f", "-"], toYaml(coordinatorSample()));
    const w = k.spawn([
      "get",
      "coordinators",
      "-w",
      "-o",
      "custom-columns=NAME:.metadata.name,WANT:.spec.replicas",
    ]);
    let out = "";
    w.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => (out.includes("main") ? true : undefined), 20_000, "the first line");
      await k.ok(["scale", "coordinator/main", "--replicas", "2"]);
      await eventually(() => (/main\s+2/.test(out) ? true : undefined), 20_000, "the scaled line");
    } finally {
      const exited = new Promise((r) => w.once("exit", r));
      w.kill();
      await exited;
    }
  });

  it("server-side apply by a second manager conflicts (409) on a field it does not own; --force-conflicts takes it", async () => {
    await k.ok(
      ["apply", "--server-side", "--field-manager=team-a", "-f", "-"],
      toYaml(coordinatorSample()),
    );
    const clash = await k.run(
      ["apply", "--server-side", "--field-manager=team-b", "-f", "-"],
      toYaml(coordinatorSample("main", { replicas: 4 })),
    );
    expect(clash.code).to.not.equal(0);
    expect(clash.stderr).to.include('conflict with "team-a": .spec.replicas');
    await k.ok(
      ["apply", "--server-side", "--field-manager=team-b", "--force-conflicts", "-f", "-"],
      toYaml(coordinatorSample("main", { replicas: 4 })),
    );
    const c = (await call(api.url, "GET", `${CRS}/main`)).body as {
      spec: { replicas: number };
      metadata: { managedFields: { manager: string; fieldsV1: unknown }[] };
    };
    expect(c.spec.replicas).to.equal(4);
    const a = c.metadata.managedFields.find((m) => m.manager === "team-a");
    expect(JSON.stringify(a?.fieldsV1)).to.not.include("f:replicas");
  });

  it("kubectl patch (strategic merge) of a custom resource is refused with 415; --type merge works", async () => {
    await k.ok(["apply", "--server-side", "-f", "-"], toYaml(coordinatorSample()));
    const smp = await k.run(["patch", "dbc", "main", "-p", '{"spec":{"version":"0.2.0"}}']);
    expect(smp.code).to.not.equal(0);
    expect(smp.stderr).to.include("application/strategic-merge-patch+json is not supported");
    await k.ok(["patch", "dbc", "main", "--type", "merge", "-p", '{"spec":{"version":"0.2.0"}}']);
    expect(await k.ok(["get", "dbc", "main", "-o", "jsonpath={.spec.version}"])).to.equal("0.2.0");
  });
});

describe("fake Kubernetes API server: REST semantics", function () {
  this.timeout(20_000);
  let api: FakeKubeApi;

  beforeEach(async () => {
    api = await FakeKubeApi.start({ bookmarkIntervalMs: 50, historyLimit: 1000 });
  });

  afterEach(() => api.close());

  const cm = (
    name: string,
    data: Record<string, string> = {},
    extra: Record<string, unknown> = {},
  ) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "default", ...extra },
    data,
  });
  const CMS = "/api/v1/namespaces/default/configmaps";

  it("a PUT carrying a stale resourceVersion gets 409 Conflict", async () => {
    const created = (await call(api.url, "POST", CMS, cm("a", { k: "1" }))).body as {
      metadata: { resourceVersion: string };
    };
    const stale = created.metadata.resourceVersion;
    expect(
      (
        await call(api.url, "PUT", `${CMS}/a`, {
          ...cm("a", { k: "2" }),
          metadata: { name: "a", resourceVersion: stale },
        })
      ).status,
    ).to.equal(200);
    const r = await call(api.url, "PUT", `${CMS}/a`, {
      ...cm("a", { k: "3" }),
      metadata: { name: "a", resourceVersion: stale },
    });
    expect(r.status).to.equal(409);
    expect(r.body).to.deep.include({ kind: "Status", reason: "Conflict", code: 409 });
  });

  it("a watch resumes after its resourceVersion, sends bookmarks when allowed, and answers a compacted one with an ERROR 410 event", async () => {
    const first = (await call(api.url, "POST", CMS, cm("a"))).body as {
      metadata: { resourceVersion: string };
    };
    await call(api.url, "POST", CMS, cm("b"));
    const w = await watch(
      api.url,
      `${CMS}?watch=true&resourceVersion=${first.metadata.resourceVersion}&allowWatchBookmarks=true`,
    );
    try {
      const added = await w.next((e) => e.type === "ADDED");
      expect((added.object.metadata as { name: string }).name).to.equal("b");
      await w.next((e) => e.type === "BOOKMARK");
    } finally {
      w.close();
    }
    api.compact();
    const old = await watch(
      api.url,
      `${CMS}?watch=true&resourceVersion=${first.metadata.resourceVersion}`,
    );
    const err = await old.next((e) => e.type === "ERROR");
    expect(err.object).to.deep.include({ kind: "Status", code: 410, reason: "Expired" });
    await old.ended;
  });

  it("deleting an owner deletes its dependents; a finalizer holds the object until it is removed", async () => {
    const owner = (
      await call(api.url, "POST", CMS, cm("owner", {}, { finalizers: ["example.com/hold"] }))
    ).body as { metadata: { uid: string } };
    await call(
      api.url,
      "POST",
      CMS,
      cm(
        "child",
        {},
        {
          ownerReferences: [
            { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid },
          ],
        },
      ),
    );
    const del = await call(api.url, "DELETE", `${CMS}/owner`);
    expect((del.body.metadata as { deletionTimestamp?: string }).deletionTimestamp).to.be.a(
      "string",
    );
    expect((await call(api.url, "GET", `${CMS}/child`)).status).to.equal(200);
    await call(
      api.url,
      "PATCH",
      `${CMS}/owner`,
      { metadata: { finalizers: null } },
      "application/merge-patch+json",
    );
    expect((await call(api.url, "GET", `${CMS}/owner`)).status).to.equal(404);
    expect((await call(api.url, "GET", `${CMS}/child`)).status).to.equal(404);
  });

  it("a Deployment gets its replicas as Pods, its status counts them, and scaling removes Pods", async () => {
    const dep = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "default" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "c", image: "x" }] },
        },
      },
    };
    await call(api.url, "POST", "/apis/apps/v1/namespaces/default/deployments", dep);
    await eventually(async () => {
      const d = (await call(api.url, "GET", "/apis/apps/v1/namespaces/default/deployments/web"))
        .body as { status?: { readyReplicas?: number } };
      return d.status?.readyReplicas === 2 ? true : undefined;
    });
    await call(
      api.url,
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/web/scale",
      { spec: { replicas: 1 } },
      "application/merge-patch+json",
    );
    await eventually(async () => {
      const pods = (
        await call(api.url, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")
      ).body as { items: unknown[] };
      return pods.items.length === 1 ? true : undefined;
    });
  });
});
