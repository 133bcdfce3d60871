import { CRD_FILES, renderCrdYaml } from "@darkbloom/operator";
import { kubeTools, startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
const key32 = () => randomBytes(32).toString("base64");

interface PodView {
  metadata: { name: string };
  status?: { podIP?: string; phase?: string };
}

describe("operator + fake API server + fake node: kubectl scale runs more coordinator processes", function () {
  this.timeout(240_000);
  let db: TestDatabase | undefined;
  let kubeApi: Spawned | undefined;
  let kubelet: Spawned | undefined;
  let operator: Spawned | undefined;
  let cacheDir = "";
  let server = "";

  const kubectl = (args: string[], stdin = "") =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(
        kubeTools().kubectl,
        [
          "--kubeconfig",
          "/dev/null",
          "--server",
          server,
          "--cache-dir",
          cacheDir,
          "-n",
          "default",
          ...args,
        ],
        (err, stdout, stderr) =>
          err ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr}`)) : resolve(stdout),
      );
      child.stdin?.end(stdin);
    });
  const runningPods = async () => {
    const pods = (JSON.parse(await kubectl(["get", "pods", "-o", "json"])) as { items: PodView[] })
      .items;
    return pods.filter((p) => p.status?.phase === "Running" && p.status.podIP);
  };
  /** Pods whose coordinator process answers HTTP on the pod's own address and port. */
  const serving = async () => {
    const out: string[] = [];
    for (const p of await runningPods()) {
      const res = await fetch(`http://${p.status?.podIP}:8080/v1/models`).catch(() => undefined);
      if (res) {
        await res.body?.cancel();
        out.push(p.status?.podIP ?? "");
      }
    }
    return out;
  };

  before(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), "kubectl-cache-"));
    db = await startTestDatabase();
    kubeApi = spawnTs(
      path.join(REPO_ROOT, "operator/testing/fake-kube-api/serve.ts"),
      ["--pod-readiness", "kubelet"],
      {},
    );
    [, server] = (await kubeApi.waitFor(/Fake Kubernetes API on (\S+)/, 30_000)) as unknown as [
      string,
      string,
    ];
    await kubectl(
      ["apply", "--server-side", "-f", "-"],
      Object.values(CRD_FILES).map(renderCrdYaml).join("---\n"),
    );
    kubelet = spawnTs(path.join(REPO_ROOT, "operator/testing/fake-kubelet/serve.ts"), [server], {});
    await kubelet.waitFor(/Fake kubelet running/, 30_000);
    operator = spawnTs(path.join(REPO_ROOT, "operator/src/main.ts"), [], {
      DARKBLOOM_OPERATOR_KUBE_SERVER: server,
      DARKBLOOM_OPERATOR_LEASE_DURATION_MS: "3000",
      POD_NAME: "operator-e2e",
    });
    await operator.waitFor(/"leading"/, 30_000);
  });

  after(async () => {
    await operator?.stop();
    await kubelet?.stop();
    await kubeApi?.stop();
    await db?.stop();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it("a Coordinator of 1 becomes one coordinator process; kubectl scale --replicas 2 adds a second on the same database", async () => {
    const objects = [
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "darkbloom-db" },
        data: { url: b64((db as TestDatabase).url) },
      },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "darkbloom-secrets" },
        data: {
          prefixHashSecret: b64(key32()),
          keyEncryptionKey: b64(key32()),
          adminKey: b64("unused"),
          peerSecret: b64(key32()),
        },
      },
      {
        apiVersion: "darkbloom.dev/v1alpha1",
        kind: "Coordinator",
        metadata: { name: "main" },
        spec: {
          image: "ghcr.io/darkbloom/coordinator",
          version: "0.1.0",
          replicas: 1,
          database: { secretRef: { name: "darkbloom-db" } },
          secrets: Object.fromEntries(
            ["prefixHashSecret", "keyEncryptionKey", "adminKey", "peerSecret"].map((k) => [
              k,
              { name: "darkbloom-secrets", key: k },
            ]),
          ),
          config: [{ name: "DARKBLOOM_SECURITY_MODE", value: "development" }],
        },
      },
    ];
    await kubectl(
      ["apply", "--server-side", "-f", "-"],
      objects.map((o) => stringify(o)).join("---\n"),
    );
    const first = await until("one coordinator process serving", async () => {
      const s = await serving();
      return s.length === 1 ? s : undefined;
    });

    expect(await kubectl(["scale", "coordinator/main", "--replicas", "2"])).to.include("scaled");
    const both = await until("two coordinator processes serving", async () => {
      const s = await serving();
      return s.length === 2 ? s : undefined;
    });
    expect(both).to.include(first[0]);
    expect(new Set(both).size).to.equal(2);
    const replicas = await until("the Coordinator status to count 2 replicas", async () => {
      const n = Number(
        await kubectl(["get", "coordinator", "main", "-o", "jsonpath={.status.replicas}"]),
      );
      return n === 2 ? n : undefined;
    });
    expect(replicas).to.equal(2);
  });
});
