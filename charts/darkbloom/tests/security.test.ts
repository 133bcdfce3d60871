import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../../../services/coordinator/src/config.js";
import { CHART, REPO, byKind, one, renderChart, type KubeObject } from "../../testing/helm.js";

const SCENARIOS = [
  "ci/default-values.yaml",
  "ci/external-db-values.yaml",
  "ci/production-values.yaml",
  "ci/console-values.yaml",
];

interface Container {
  name: string;
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
}
interface PodSpec {
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: { type: string };
  };
  containers: Container[];
  initContainers?: Container[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

const podSpecs = (objects: KubeObject[]): { owner: string; pod: PodSpec }[] =>
  objects
    .filter((o) => ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind))
    .map((o) => ({
      owner: `${o.kind}/${o.metadata.name}`,
      pod: (o.spec as { template: { spec: PodSpec } }).template.spec,
    }));

const rulesOf = (o: KubeObject): Rule[] => (o.rules as Rule[] | undefined) ?? [];

describe("charts/darkbloom: security contexts and RBAC", function () {
  this.timeout(30_000);

  for (const values of SCENARIOS) {
    it(`every pod rendered with ${values} is non-root, read-only, drops ALL capabilities, seccomp RuntimeDefault`, async () => {
      const pods = podSpecs(await renderChart({ values: [values] }));
      expect(pods.length).to.be.greaterThan(0);
      for (const { owner, pod } of pods) {
        expect(pod.securityContext?.runAsNonRoot, owner).to.equal(true);
        expect(pod.securityContext?.runAsUser, owner).to.be.a("number").and.greaterThan(0);
        expect(pod.securityContext?.seccompProfile?.type, owner).to.equal("RuntimeDefault");
        expect(pod.hostNetwork ?? false, owner).to.equal(false);
        expect(pod.hostPID ?? false, owner).to.equal(false);
        expect(pod.hostIPC ?? false, owner).to.equal(false);
        for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
          const where = `${owner} container ${c.name}`;
          const sc = c.securityContext;
          expect(sc?.allowPrivilegeEscalation, where).to.equal(false);
          expect(sc?.readOnlyRootFilesystem, where).to.equal(true);
          expect(sc?.runAsNonRoot, where).to.equal(true);
          expect(sc?.privileged ?? false, where).to.equal(false);
          expect(sc?.capabilities?.drop, where).to.deep.equal(["ALL"]);
          expect(sc?.capabilities?.add ?? [], where).to.deep.equal([]);
          expect(sc?.seccompProfile?.type, where).to.equal("RuntimeDefault");
          expect(c.resources?.limits?.memory, `${where} has a memory limit`).to.be.a("string");
        }
        // Only the operator talks to the API server.
        const wantsToken = owner.endsWith("-operator");
        expect(pod.automountServiceAccountToken, owner).to.equal(wantsToken);
      }
    });
  }

  for (const values of SCENARIOS) {
    it(`RBAC rendered with ${values} is least privilege`, async () => {
      const objects = await renderChart({ values: [values] });
      const roles = [...byKind(objects, "Role"), ...byKind(objects, "ClusterRole")];
      expect(roles.map((r) => r.kind).sort()).to.deep.equal(["ClusterRole", "Role"]);
      for (const role of roles) {
        for (const rule of rulesOf(role)) {
          const where = `${role.kind}/${role.metadata.name} ${JSON.stringify(rule)}`;
          for (const field of [rule.verbs, rule.resources ?? [], rule.apiGroups ?? []])
            expect(field, `${where}: no wildcards`).to.not.include("*");
          for (const verb of ["escalate", "bind", "impersonate", "deletecollection"])
            expect(rule.verbs, where).to.not.include(verb);
          for (const resource of rule.resources ?? []) {
            expect(resource, `${where}: no exec/attach/proxy`).to.not.match(
              /^pods\/(exec|attach|portforward|proxy)$/,
            );
            expect(resource, where).to.not.match(
              /^(roles|rolebindings|clusterroles|clusterrolebindings|serviceaccounts\/token)$/,
            );
          }
          if (rule.resources?.includes("secrets")) {
            expect(role.kind, `${where}: secrets only through the namespaced Role`).to.equal(
              "Role",
            );
            expect(rule.verbs, `${where}: secrets are read-only`).to.deep.equal(["get"]);
            expect(rule.resourceNames, `${where}: secrets by name only`).to.be.an("array").that.is
              .not.empty;
            expect(rule.resources, `${where}: secrets in a rule of their own`).to.deep.equal([
              "secrets",
            ]);
          }
        }
      }
      // The ClusterRole only reads (one CRD by name, to learn whether ServiceMonitors exist).
      for (const rule of rulesOf(one(objects, "ClusterRole"))) {
        expect(rule.verbs).to.deep.equal(["get"]);
        expect(rule.resourceNames).to.be.an("array").that.is.not.empty;
      }
      // Bindings: our own roles, to the operator's ServiceAccount only; never a built-in broad role.
      for (const binding of [
        ...byKind(objects, "RoleBinding"),
        ...byKind(objects, "ClusterRoleBinding"),
      ]) {
        const roleRef = binding.roleRef as { kind: string; name: string };
        expect(["cluster-admin", "admin", "edit", "view"], binding.metadata.name).to.not.include(
          roleRef.name,
        );
        expect(roles.map((r) => `${r.kind}/${r.metadata.name}`)).to.include(
          `${roleRef.kind}/${roleRef.name}`,
        );
        expect(binding.subjects).to.deep.equal([
          { kind: "ServiceAccount", name: "test-darkbloom-operator", namespace: "darkbloom" },
        ]);
      }
    });
  }

  it("grants the operator every rule it exports (files/operator-rbac-rules.json), secrets narrowed by name", async () => {
    const exported = JSON.parse(
      readFileSync(path.join(CHART, "files/operator-rbac-rules.json"), "utf8"),
    ) as {
      clusterRole: Rule[];
      leaderElectionRole: Rule[];
    };
    const objects = await renderChart();
    const granted = [...rulesOf(one(objects, "Role")), ...rulesOf(one(objects, "ClusterRole"))];
    const covers = (want: Rule) =>
      granted.some(
        (g) =>
          (want.apiGroups ?? []).every((x) => g.apiGroups?.includes(x)) &&
          (want.resources ?? []).every((x) => g.resources?.includes(x)) &&
          want.verbs.every((v) => g.verbs.includes(v)),
      );
    for (const rule of [...exported.clusterRole, ...exported.leaderElectionRole])
      expect(covers(rule), JSON.stringify(rule)).to.equal(true);
  });

  // The operator exports its rules as operator/rbac-rules.json; the chart carries a copy.
  if (existsSync(path.join(REPO, "operator/rbac-rules.json")))
    it("files/operator-rbac-rules.json is the operator's current export", () => {
      expect(
        JSON.parse(readFileSync(path.join(CHART, "files/operator-rbac-rules.json"), "utf8")),
      ).to.deep.equal(
        JSON.parse(readFileSync(path.join(REPO, "operator/rbac-rules.json"), "utf8")),
      );
    });

  it("NetworkPolicies: Postgres only from coordinator pods; coordinator API from apiFrom, peers and the operator; operator closed", async () => {
    const objects = await renderChart({
      values: ["ci/console-values.yaml"],
      set: ["networkPolicy.apiFrom[0].namespaceSelector.matchLabels.team=edge"],
    });
    const coordinatorPods = {
      "app.kubernetes.io/name": "darkbloom-coordinator",
      "app.kubernetes.io/instance": "test-darkbloom",
    };
    const operatorPods = {
      "app.kubernetes.io/name": "darkbloom",
      "app.kubernetes.io/instance": "test",
      "app.kubernetes.io/component": "operator",
    };
    type Policy = {
      podSelector: { matchLabels: Record<string, string> };
      policyTypes: string[];
      ingress?: { ports?: { port: number }[]; from?: unknown[] }[];
    };
    const policy = (name: string) => one(objects, "NetworkPolicy", name).spec as Policy;

    const postgres = policy("test-darkbloom-postgresql");
    expect(postgres.policyTypes).to.deep.equal(["Ingress"]);
    expect(postgres.ingress).to.deep.equal([
      {
        ports: [{ protocol: "TCP", port: 5432 }],
        from: [{ podSelector: { matchLabels: coordinatorPods } }],
      },
    ]);

    const coordinator = policy("test-darkbloom-coordinator");
    expect(coordinator.podSelector.matchLabels).to.deep.equal(coordinatorPods);
    expect(coordinator.ingress).to.deep.equal([
      {
        ports: [{ protocol: "TCP", port: 8080 }],
        from: [{ namespaceSelector: { matchLabels: { team: "edge" } } }],
      },
      {
        ports: [{ protocol: "TCP", port: 8080 }],
        from: [
          { podSelector: { matchLabels: coordinatorPods } },
          { podSelector: { matchLabels: operatorPods } },
        ],
      },
    ]);
    // Nobody may scrape metrics unless metricsFrom says so.
    expect(JSON.stringify(coordinator.ingress)).to.not.include("9464");

    const operator = policy("test-darkbloom-operator");
    expect(operator.policyTypes).to.deep.equal(["Ingress"]);
    expect(operator.ingress).to.equal(undefined);
    // The operator's pods really carry the labels the policy allows.
    const operatorTemplate = (
      one(objects, "Deployment", "test-darkbloom-operator").spec as {
        template: { metadata: { labels: Record<string, string> } };
      }
    ).template;
    expect(operatorTemplate.metadata.labels).to.include(operatorPods);
  });

  it("the operator may read exactly the secrets the Coordinator references, no more", async () => {
    const objects = await renderChart({ values: ["ci/external-db-values.yaml"] });
    const secretRule = rulesOf(one(objects, "Role")).find((r) => r.resources?.includes("secrets"));
    expect(secretRule?.resourceNames?.slice().sort()).to.deep.equal([
      "darkbloom-kek",
      "test-darkbloom-secrets",
    ]);
  });

  it("generated secrets have the shapes the coordinator accepts, and are kept on uninstall", async () => {
    const objects = await renderChart();
    const secret = one(objects, "Secret", "test-darkbloom-secrets");
    expect(secret.metadata.annotations?.["helm.sh/resource-policy"]).to.equal("keep");
    const data = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, "base64").toString(),
      ]),
    );
    expect(data["admin-key"]).to.match(/^db-[0-9A-Za-z]{32}$/);
    expect(Buffer.from(data["key-encryption-key"]!, "base64")).to.have.length(32);
    expect(data["peer-secret"]).to.match(/^[0-9A-Za-z]{48}$/);
    // The coordinator's own config parser accepts the generated keys.
    const config = loadConfig({
      DARKBLOOM_KEY_ENCRYPTION_KEY: data["key-encryption-key"],
      DARKBLOOM_PREFIX_HASH_SECRET: data["prefix-hash-secret"],
    });
    expect(config.keyEncryptionKey).to.have.length(32);
    expect(config.prefixHashSecret).to.have.length(32);
    // A second render generates different values: nothing is a fixed default.
    const again = one(await renderChart(), "Secret", "test-darkbloom-secrets").data as Record<
      string,
      string
    >;
    expect(again["admin-key"]).to.not.equal((secret.data as Record<string, string>)["admin-key"]);
  });
});
