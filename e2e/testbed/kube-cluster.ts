// A Kubernetes stand-in for e2e specs: the fake API server (process) with the Darkbloom CRDs, the
// operator (process), optionally the fake node that runs Pods as coordinator processes, and the
// real kubectl pointed at it.
import { CRD_FILES, renderCrdYaml } from "@darkbloom/operator";
import { kubeTools } from "@darkbloom/testing";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { REPO_ROOT, spawnTs, type Spawned } from "./child-process.js";

export interface KubeCluster {
  server: string;
  kubectl(args: string[], stdin?: string): Promise<string>;
  /** `kubectl apply --server-side` of the objects. */
  apply(...objects: object[]): Promise<string>;
  stop(): Promise<void>;
}

export interface KubeClusterOptions {
  /** Run Pods as coordinator processes (the fake node); without it Pods are Ready at once and run nothing. */
  node?: boolean;
  /** Extra operator environment (e.g. DARKBLOOM_OPERATOR_COORDINATOR_URL). */
  operatorEnv?: Record<string, string>;
}

export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<KubeCluster> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), "kubectl-cache-"));
  const procs: Spawned[] = [];
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
  const stop = async () => {
    for (const p of procs.reverse()) await p.stop();
    await rm(cacheDir, { recursive: true, force: true });
  };
  try {
    const api = spawnTs(
      path.join(REPO_ROOT, "operator/testing/fake-kube-api/serve.ts"),
      options.node ? ["--pod-readiness", "kubelet"] : [],
      {},
    );
    procs.push(api);
    [, server] = (await api.waitFor(/Fake Kubernetes API on (\S+)/, 30_000)) as unknown as [
      string,
      string,
    ];
    await kubectl(
      ["apply", "--server-side", "-f", "-"],
      Object.values(CRD_FILES).map(renderCrdYaml).join("---\n"),
    );
    if (options.node) {
      const kubelet = spawnTs(
        path.join(REPO_ROOT, "operator/testing/fake-kubelet/serve.ts"),
        [server],
        {},
      );
      procs.push(kubelet);
      await kubelet.waitFor(/Fake kubelet running/, 30_000);
    }
    const operator = spawnTs(path.join(REPO_ROOT, "operator/src/main.ts"), [], {
      DARKBLOOM_OPERATOR_KUBE_SERVER: server,
      DARKBLOOM_OPERATOR_LEASE_DURATION_MS: "3000",
      POD_NAME: "operator-e2e",
      ...options.operatorEnv,
    });
    procs.push(operator);
    await operator.waitFor(/"leading"/, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    server,
    kubectl,
    apply: (...objects) =>
      kubectl(
        ["apply", "--server-side", "-f", "-"],
        objects.map((o) => stringify(o)).join("---\n"),
      ),
    stop,
  };
}

/** Polls `fn` until it returns a value; errors count as "not yet". */
export async function until<T>(
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

/** A Coordinator resource whose secrets all live in the Secret `darkbloom-secrets`. */
export function coordinatorResource(spec: Record<string, unknown> = {}) {
  return {
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
      ...spec,
    },
  };
}

export function secretResource(name: string, values: Record<string, string>) {
  const data = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
  );
  return { apiVersion: "v1", kind: "Secret", metadata: { name }, data };
}
