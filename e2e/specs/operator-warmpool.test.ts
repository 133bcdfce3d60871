import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { CRD_FILES, renderCrdYaml } from "@darkbloom/operator";
import { RoutingService } from "@darkbloom/proto";
import { kubeTools } from "@darkbloom/testing";
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

function routingAdmin(url: string, key: string): Client<typeof RoutingService> {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };
  return createClient(
    RoutingService,
    createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [bearer] }),
  );
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("operator: a WarmPool reaches a real coordinator and its providers", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let kubeApi: Spawned | undefined;
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
  const warmPoolStatus = async () =>
    JSON.parse(
      (await kubectl(["get", "warmpool", "tiny", "-o", "jsonpath={.status}"])) || "{}",
    ) as {
      warm?: number;
      observedGeneration?: number;
      conditions?: { type: string; status: string }[];
    };

  before(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), "kubectl-cache-"));
    coordinator = await startCoordinator();
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    kubeApi = spawnTs(path.join(REPO_ROOT, "operator/testing/fake-kube-api/serve.ts"), [], {});
    [, server] = (await kubeApi.waitFor(/Fake Kubernetes API on (\S+)/, 30_000)) as unknown as [
      string,
      string,
    ];
    await kubectl(
      ["apply", "--server-side", "-f", "-"],
      Object.values(CRD_FILES).map(renderCrdYaml).join("---\n"),
    );
    operator = spawnTs(path.join(REPO_ROOT, "operator/src/main.ts"), [], {
      DARKBLOOM_OPERATOR_KUBE_SERVER: server,
      DARKBLOOM_OPERATOR_COORDINATOR_URL: coordinator.url,
      DARKBLOOM_OPERATOR_LEASE_DURATION_MS: "3000",
      DARKBLOOM_OPERATOR_RESYNC_MS: "2000",
      POD_NAME: "operator-e2e",
    });
    await operator.waitFor(/"leading"/, 30_000);
  });

  after(async () => {
    await operator?.stop();
    await kubeApi?.stop();
    await provider?.stop();
    await coordinator?.stop();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it("applies the WarmPool through SetWarmPoolPolicy with the admin key from the Secret, and reports the warm provider in status", async () => {
    const c = coordinator as RunningCoordinator;
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "darkbloom-secrets" },
      data: {
        adminKey: b64(c.apiKey),
        prefixHashSecret: b64("p"),
        keyEncryptionKey: b64("k"),
        peerSecret: b64("s"),
      },
    };
    const cr = {
      apiVersion: "darkbloom.dev/v1alpha1",
      kind: "Coordinator",
      metadata: { name: "main" },
      spec: {
        image: "ghcr.io/darkbloom/coordinator",
        version: "0.1.0",
        replicas: 1,
        database: { secretRef: { name: "db" } },
        secrets: Object.fromEntries(
          ["prefixHashSecret", "keyEncryptionKey", "adminKey", "peerSecret"].map((k) => [
            k,
            { name: "darkbloom-secrets", key: k },
          ]),
        ),
      },
    };
    const pool = (min: number) => ({
      apiVersion: "darkbloom.dev/v1alpha1",
      kind: "WarmPool",
      metadata: { name: "tiny" },
      spec: {
        coordinatorRef: { name: "main" },
        model: TEST_MODEL_ID,
        minWarmProviders: min,
        maxWarmProviders: 2,
        targetUtilizationPercent: 80,
        maxLoadsPerMinute: 5,
      },
    });
    await kubectl(
      ["apply", "--server-side", "-f", "-"],
      [secret, cr, pool(1)].map((o) => stringify(o)).join("---\n"),
    );

    const admin = routingAdmin(c.url, c.apiKey);
    const target = async (want: number) => {
      const m = (await admin.getWarmPoolStatus({})).models.find((x) => x.model === TEST_MODEL_ID);
      return m?.target === want ? m : undefined;
    };
    await until("the coordinator to hold the WarmPool's target", () => target(1));
    const status = await until("the WarmPool status to show the warm provider", async () => {
      const s = await warmPoolStatus();
      return s.warm === 1 && s.conditions?.some((x) => x.type === "Ready" && x.status === "True")
        ? s
        : undefined;
    });
    expect(status.observedGeneration).to.equal(1);

    await kubectl(["apply", "--server-side", "-f", "-"], stringify(pool(2)));
    await until("the coordinator to follow the edit", () => target(2));

    await kubectl(["delete", "warmpool", "tiny", "--wait=true", "--timeout=60s"]);
    const after = (await admin.getWarmPoolStatus({})).models.find((x) => x.model === TEST_MODEL_ID);
    expect(after?.target ?? 0).to.equal(0);
  });
});
