// The real kubectl (from libs/testing kubeTools) pointed at a fake API server, with its own cache.
import { kubeTools } from "@darkbloom/testing";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface Kubectl {
  run(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Runs and fails on a non-zero exit. */
  ok(args: string[], stdin?: string): Promise<string>;
  /** A long-running kubectl (e.g. `get -w`); kill it when done. */
  spawn(args: string[]): ChildProcess;
  close(): void;
}

export function kubectl(server: string): Kubectl {
  const { kubectl: bin } = kubeTools();
  const cache = mkdtempSync(path.join(tmpdir(), "kubectl-cache-"));
  const base = [
    "--kubeconfig",
    "/dev/null",
    "--server",
    server,
    "--cache-dir",
    cache,
    "-n",
    "default",
  ];
  const run = (args: string[], stdin?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(bin, [...base, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(stdin ?? "");
    });
  return {
    run,
    async ok(args, stdin) {
      const r = await run(args, stdin);
      if (r.code !== 0)
        throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    spawn: (args) => spawn(bin, [...base, ...args], { stdio: ["ignore", "pipe", "pipe"] }),
    close: () => rmSync(cache, { recursive: true, force: true }),
  };
}
