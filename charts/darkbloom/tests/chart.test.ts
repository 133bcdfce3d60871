import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import {
  CHART,
  REPO,
  byKind,
  helm,
  one,
  renderChart,
  valuesArgs,
  type KubeObject,
} from "../../testing/helm.js";
import { chartCrds, customResourceSchema } from "../../testing/custom-resources.js";
import { validateObject, validateObjects } from "../../testing/validate-objects.js";

/** The values files every check runs over (charts/darkbloom/ci/). */
const SCENARIOS = [
  "ci/default-values.yaml",
  "ci/external-db-values.yaml",
  "ci/production-values.yaml",
  "ci/console-values.yaml",
] as const;

const spec = (o: KubeObject) => o.spec as Record<string, unknown>;

describe("charts/darkbloom: helm lint and template", function () {
  this.timeout(60_000);

  it("Chart.yaml is apiVersion v2 and its appVersion is the coordinator workspace's version", () => {
    const chart = parse(readFileSync(path.join(CHART, "Chart.yaml"), "utf8")) as Record<
      string,
      string
    >;
    const coordinator = JSON.parse(
      readFileSync(path.join(REPO, "services/coordinator/package.json"), "utf8"),
    ) as { version: string };
    const root = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as {
      version?: string;
    };
    expect(chart.apiVersion).to.equal("v2");
    expect(chart.appVersion).to.equal(root.version ?? coordinator.version);
  });

  for (const values of SCENARIOS) {
    it(`helm lint --strict passes with ${values}`, async () => {
      const result = await helm(["lint", "--strict", CHART, ...valuesArgs([values])]);
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      expect(result.stdout).to.match(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    it(`every object rendered with ${values} is valid against the OpenAPI schema of its kind`, async () => {
      const objects = await renderChart({ values: [values] });
      expect(objects.length).to.be.greaterThan(5);
      const problems = await validateObjects(objects);
      expect(problems, problems.join("\n")).to.deep.equal([]);
      for (const o of objects) {
        expect(
          o.metadata.labels?.["app.kubernetes.io/part-of"],
          `${o.kind}/${o.metadata.name}`,
        ).to.equal("darkbloom");
        if (!["ClusterRole", "ClusterRoleBinding"].includes(o.kind))
          expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).to.equal("darkbloom");
      }
    });
  }

  it("the validation catches what it should: a wrong type in a Deployment and an unknown Coordinator field", async () => {
    const objects = await renderChart();
    const deployment = structuredClone(one(objects, "Deployment"));
    (
      spec(deployment).template as { spec: { containers: { image: unknown }[] } }
    ).spec.containers[0]!.image = 42;
    expect((await validateObject(deployment)).join()).to.match(/image must be string/);
    const coordinator = structuredClone(one(objects, "Coordinator"));
    spec(coordinator).replica = 3;
    expect((await validateObject(coordinator)).join()).to.match(/spec\.replica: unknown field/);
    spec(coordinator).replica = undefined;
    delete spec(coordinator).replica;
    spec(coordinator).replicas = -1;
    expect((await validateObject(coordinator)).join()).to.match(
      /spec\.replicas: below the minimum 0/,
    );
  });

  it(`custom resources are checked against ${chartCrds().size ? "the CRDs in charts/darkbloom/crds" : "the CRDS.md contract (no CRDs in charts/darkbloom/crds yet)"}`, () => {
    for (const kind of ["Coordinator", "WarmPool"]) {
      const { source } = customResourceSchema(kind);
      expect(source).to.equal(chartCrds().get(kind)?.file ?? "CRDS.md contract");
    }
  });

  it("defaults: operator, a Coordinator with fixed replicas on the bundled Postgres, no console", async () => {
    const objects = await renderChart();
    const coordinator = one(objects, "Coordinator");
    expect(spec(coordinator)).to.include({
      image: "ghcr.io/darkbloom/coordinator",
      version: "0.1.0",
      replicas: 2,
    });
    expect(spec(coordinator)).to.not.have.property("autoscaling");
    expect(spec(coordinator).database).to.deep.equal({
      secretRef: { name: "test-darkbloom-postgresql", key: "url" },
    });
    expect(spec(coordinator).terminationGracePeriodSeconds).to.equal(600);
    expect(spec(coordinator).config).to.deep.equal([
      { name: "DARKBLOOM_SECURITY_MODE", value: "production" },
    ]);
    one(objects, "StatefulSet", "test-darkbloom-postgresql");
    one(objects, "Deployment", "test-darkbloom-operator");
    expect(byKind(objects, "Deployment").map((d) => d.metadata.name)).to.deep.equal([
      "test-darkbloom-operator",
    ]);
    expect(byKind(objects, "Ingress")).to.have.length(0);
    expect(byKind(objects, "NetworkPolicy")).to.have.length(0);
    expect(byKind(objects, "WarmPool")).to.have.length(0);
    const postgresUrl = Buffer.from(
      (one(objects, "Secret", "test-darkbloom-postgresql").data as Record<string, string>).url!,
      "base64",
    ).toString();
    expect(postgresUrl).to.match(
      /^postgres:\/\/darkbloom:[A-Za-z0-9]{40}@test-darkbloom-postgresql\.darkbloom\.svc:5432\/darkbloom$/,
    );
  });

  it("external database: no Postgres, the Coordinator reads DATABASE_URL from the named secret and key", async () => {
    const objects = await renderChart({ values: ["ci/external-db-values.yaml"] });
    expect(byKind(objects, "StatefulSet")).to.have.length(0);
    expect(objects.filter((o) => o.metadata.name.includes("postgresql"))).to.have.length(0);
    const coordinator = one(objects, "Coordinator");
    expect(spec(coordinator).database).to.deep.equal({
      secretRef: { name: "darkbloom-database", key: "DATABASE_URL" },
    });
    const secrets = spec(coordinator).secrets as Record<string, { name: string; key: string }>;
    expect(secrets.keyEncryptionKey).to.deep.equal({ name: "darkbloom-kek", key: "kek" });
    expect(secrets.adminKey).to.deep.equal({ name: "test-darkbloom-secrets", key: "admin-key" });
    // The chart does not generate a value it is told lives elsewhere.
    const generated = one(objects, "Secret", "test-darkbloom-secrets").data as Record<
      string,
      string
    >;
    expect(Object.keys(generated).sort()).to.deep.equal([
      "admin-key",
      "peer-secret",
      "prefix-hash-secret",
    ]);
  });

  it("production: autoscaling instead of replicas, ServiceMonitor, TLS Ingress, NetworkPolicies, warm pools, settings", async () => {
    const objects = await renderChart({ values: ["ci/production-values.yaml"] });
    const coordinator = one(objects, "Coordinator");
    expect(spec(coordinator)).to.not.have.property("replicas");
    expect(spec(coordinator).autoscaling).to.deep.equal({
      minReplicas: 3,
      maxReplicas: 12,
      targetActiveStreamsPerReplica: 48,
    });
    expect(spec(coordinator).metrics).to.deep.equal({ serviceMonitor: true, port: 9464 });
    expect(spec(coordinator).config).to.deep.include.members([
      { name: "DARKBLOOM_QUEUE_TIMEOUT_MS", value: "60000" },
      { name: "DARKBLOOM_HEDGE_ENABLED", value: "true" },
      { name: "DARKBLOOM_QUEUE_MAX_DEPTH", value: "512" },
      // A YAML number arrives as float64: it must not print as 2.16e+07.
      { name: "DARKBLOOM_MAX_REQUEST_MS", value: "21600000" },
    ]);
    const ingress = spec(one(objects, "Ingress"));
    expect(ingress.ingressClassName).to.equal("nginx");
    expect(ingress.tls).to.deep.equal([
      { hosts: ["api.darkbloom.example.com"], secretName: "darkbloom-tls" },
    ]);
    expect(JSON.stringify(ingress.rules))
      .to.include('"name":"test-darkbloom"')
      .and.include('"number":8080');
    const pools = byKind(objects, "WarmPool");
    expect(pools.map((p) => p.metadata.name)).to.deep.equal(["llama-3-8b", "qwen3-small"]);
    expect(spec(pools[0]!)).to.deep.equal({
      coordinatorRef: { name: "test-darkbloom" },
      model: "mlx-community/Meta-Llama-3-8B-Instruct-4bit",
      minWarmProviders: 2,
      maxWarmProviders: 8,
      targetUtilizationPercent: 70,
      maxLoadsPerMinute: 4,
      schedule: [
        {
          days: ["Mon", "Tue", "Wed", "Thu", "Fri"],
          start: "08:00",
          end: "18:00",
          minWarmProviders: 4,
        },
      ],
    });
    expect(spec(pools[1]!)).to.deep.equal({
      coordinatorRef: { name: "test-darkbloom" },
      model: "mlx-community/Qwen3-0.6B-4bit",
      minWarmProviders: 0,
      maxWarmProviders: 2,
    });
    expect(
      byKind(objects, "NetworkPolicy")
        .map((n) => n.metadata.name)
        .sort(),
    ).to.deep.equal(["test-darkbloom-coordinator", "test-darkbloom-operator"]);
  });

  it("console on: Deployment and Service for the console image, behind the Ingress at /console", async () => {
    const objects = await renderChart({ values: ["ci/console-values.yaml"] });
    const deployment = one(objects, "Deployment", "test-darkbloom-console");
    const pod = (spec(deployment).template as { spec: { containers: { image: string }[] } }).spec;
    expect(pod.containers[0]!.image).to.equal("ghcr.io/darkbloom/console:0.1.0");
    one(objects, "Service", "test-darkbloom-console");
    const paths = JSON.stringify(spec(one(objects, "Ingress")).rules);
    expect(paths).to.include('"path":"/console"').and.include('"name":"test-darkbloom-console"');
    one(objects, "PodDisruptionBudget", "test-darkbloom-console");
    one(objects, "NetworkPolicy", "test-darkbloom-console");
  });

  it("renders nothing when autoscaling has min above max, naming the values", async () => {
    const result = await helm([
      "template",
      "test",
      CHART,
      "--set",
      "coordinator.autoscaling.enabled=true",
      "--set",
      "coordinator.autoscaling.minReplicas=5",
      "--set",
      "coordinator.autoscaling.maxReplicas=3",
    ]);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.include(
      "coordinator.autoscaling.minReplicas (5) must not exceed maxReplicas (3)",
    );
  });

  it("renders nothing when a warm pool has min above max", async () => {
    const result = await helm([
      "template",
      "test",
      CHART,
      "--set",
      "warmPools[0].name=p",
      "--set",
      "warmPools[0].model=m",
      "--set",
      "warmPools[0].minWarmProviders=4",
      "--set",
      "warmPools[0].maxWarmProviders=1",
    ]);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.include(
      "warmPools p: minWarmProviders (4) must not exceed maxWarmProviders (1)",
    );
  });
});
