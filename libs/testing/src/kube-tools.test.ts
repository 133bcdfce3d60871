import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { kubeTools } from "./kube-tools.js";

describe("kubeTools", () => {
  it("provides the real Helm 3 and kubectl 1.31 binaries from the npm layer package", () => {
    const { helm, kubectl } = kubeTools();
    expect(execFileSync(helm, ["version", "--short"], { encoding: "utf8" })).to.match(/^v3\.\d+/);
    const client = execFileSync(kubectl, ["version", "--client", "-o", "json"], {
      encoding: "utf8",
    });
    const parsed = JSON.parse(client) as { clientVersion: { minor: string } };
    expect(parsed.clientVersion.minor).to.equal("31");
  });
});
