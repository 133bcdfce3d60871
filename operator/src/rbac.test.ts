import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RBAC_RULES, renderRbacJson } from "./rbac.js";

describe("operator RBAC rules", () => {
  it("operator/rbac-rules.json is rbac.ts rendered (npm run gen:operator)", () => {
    const file = fileURLToPath(new URL("../rbac-rules.json", import.meta.url));
    expect(readFileSync(file, "utf8")).to.equal(renderRbacJson());
  });

  it("reads Secrets with get only, and only the ServiceMonitor CRD by name", () => {
    const secrets = RBAC_RULES.clusterRole.filter((r) => r.resources.includes("secrets"));
    expect(secrets).to.deep.equal([{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }]);
    const crd = RBAC_RULES.clusterRole.find((r) =>
      r.resources.includes("customresourcedefinitions"),
    );
    expect(crd?.verbs).to.deep.equal(["get"]);
    expect(crd?.resourceNames).to.deep.equal(["servicemonitors.monitoring.coreos.com"]);
  });

  it("grants no wildcard and never pods, nodes or RBAC objects", () => {
    for (const r of [...RBAC_RULES.clusterRole, ...RBAC_RULES.leaderElectionRole]) {
      expect(r.verbs).not.to.include("*");
      expect(r.resources).not.to.include("*");
      for (const forbidden of ["pods", "nodes", "roles", "clusterroles", "rolebindings"])
        expect(r.resources).not.to.include(forbidden);
    }
  });
});
