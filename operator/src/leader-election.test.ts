import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inheritedEnv } from "../testing/config.js";
import { FakeKubeApi } from "../testing/fake-kube-api/index.js";
import { call, eventually } from "../testing/http-helpers.js";
import { kubectl } from "../testing/kubectl.js";
import { coordinatorSample, CRDS_YAML } from "../testing/samples.js";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const LEASE = "/apis/coordination.k8s.io/v1/namespaces/default/leases/darkbloom-operator";
const CRS = "/apis/darkbloom.dev/v1alpha1/namespaces/default/coordinators";
const LEASE_MS = 2000;

interface OperatorProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function startOperatorProcess(server: string, name: string): OperatorProcess {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      ...inheritedEnv(),
      DARKBLOOM_OPERATOR_KUBE_SERVER: server,
      POD_NAME: name,
      DARKBLOOM_OPERATOR_LEASE_DURATION_MS: String(LEASE_MS),
      DARKBLOOM_OPERATOR_RETRY_PERIOD_MS: "200",
      DARKBLOOM_OPERATOR_BACKOFF_BASE_MS: "50",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (b: Buffer) => (text += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (text += b.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return { child, output: () => text, exited };
}

const holder = async (api: FakeKubeApi) =>
  ((await call(api.url, "GET", LEASE)).body.spec as
    { holderIdentity?: string; leaseTransitions?: number } | undefined) ?? {};

const ready = async (api: FakeKubeApi, name: string) => {
  const c = (await call(api.url, "GET", `${CRS}/${name}`)).body as {
    status?: { conditions?: { type: string; status: string }[] };
  };
  return c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True")
    ? true
    : undefined;
};

describe("operator leader election with two operator processes", function () {
  this.timeout(90_000);
  let api: FakeKubeApi;
  const procs: OperatorProcess[] = [];

  before(async () => {
    api = await FakeKubeApi.start();
    const k = kubectl(api.url);
    await k.ok(["apply", "--server-side", "-f", "-"], CRDS_YAML);
    k.close();
  });

  after(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      await p.exited;
    }
    await api.close();
  });

  it("one process leads and reconciles; killed, the standby takes the Lease over and reconciles", async () => {
    const a = startOperatorProcess(api.url, "op-a");
    procs.push(a);
    await eventually(
      async () => ((await holder(api)).holderIdentity === "op-a" ? true : undefined),
      30_000,
      "op-a to lead",
    );
    const b = startOperatorProcess(api.url, "op-b");
    procs.push(b);
    await eventually(
      () => (b.output().includes("darkbloom operator started") ? true : undefined),
      30_000,
      "op-b to start",
    );

    await call(api.url, "POST", CRS, coordinatorSample("one"));
    await eventually(() => ready(api, "one"), 30_000, "Coordinator one Ready");
    expect(b.output()).to.not.include('"leading"');
    expect((await holder(api)).holderIdentity).to.equal("op-a");

    const killedAt = Date.now();
    a.child.kill("SIGKILL");
    await a.exited;
    await eventually(
      async () => ((await holder(api)).holderIdentity === "op-b" ? true : undefined),
      30_000,
      "op-b to take the Lease",
    );
    process.stdout.write(
      `      (takeover after ${Date.now() - killedAt} ms; lease duration ${LEASE_MS} ms)\n`,
    );
    expect((await holder(api)).leaseTransitions).to.equal(1);
    expect(b.output()).to.include('"leading"');

    await call(api.url, "POST", CRS, coordinatorSample("two"));
    await eventually(() => ready(api, "two"), 30_000, "Coordinator two Ready, reconciled by op-b");
  });
});
