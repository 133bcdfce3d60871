import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { kubeTools } from "@darkbloom/testing";

const run = promisify(execFile);

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const CHART = path.join(REPO, "charts/darkbloom");

/** A rendered Kubernetes object (only the fields every object has are typed). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real Helm 3 binary with throwaway repository/registry config (no repositories) and no
 * kubeconfig (no cluster unless --kube-apiserver is given), from a temporary folder. Never throws
 * on a non-zero exit.
 */
export async function helm(args: string[]): Promise<HelmResult> {
  const { helm: bin } = kubeTools();
  const home = mkdtempSync(path.join(os.tmpdir(), "darkbloom-helm-"));
  try {
    const { stdout, stderr } = await run(
      bin,
      [
        ...args,
        "--kubeconfig=/dev/null",
        `--repository-config=${path.join(home, "repositories.yaml")}`,
        `--repository-cache=${path.join(home, "cache")}`,
        `--registry-config=${path.join(home, "registry.json")}`,
      ],
      { cwd: home, maxBuffer: 64 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** `-f` arguments for values files (paths relative to the chart folder). */
export const valuesArgs = (files: string[]): string[] =>
  files.flatMap((f) => ["-f", path.isAbsolute(f) ? f : path.join(CHART, f)]);

/** `helm template` of the chart; throws with Helm's message when rendering fails. */
export async function renderChart(
  options: {
    values?: string[];
    set?: string[];
    namespace?: string;
    release?: string;
    chart?: string;
  } = {},
): Promise<KubeObject[]> {
  const result = await helm([
    "template",
    options.release ?? "test",
    options.chart ?? CHART,
    "--namespace",
    options.namespace ?? "darkbloom",
    ...valuesArgs(options.values ?? []),
    ...(options.set ?? []).flatMap((s) => ["--set", s]),
  ]);
  if (result.code !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null);
}

export const byKind = (objects: KubeObject[], kind: string): KubeObject[] =>
  objects.filter((o) => o.kind === kind);

export function one(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0]!;
}
