import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Where `--pin` puts each side of a benchmark: the process under test on CPUs of its own, the
 * load (client, fake providers, Postgres) on CPU 0. Sharing cores, the coordinator's CPU time per
 * request includes what sharing costs it (preemption by the client, caches refilled): a figure of
 * the machine's crowding, not of the coordinator. Needs two CPUs or more.
 */
export function pinningLayout(): { load: string; measured: string } {
  const cpus = availableParallelism();
  if (cpus < 2) throw new Error(`--pin needs at least 2 CPUs, this machine has ${cpus}`);
  return { load: "0", measured: cpus === 2 ? "1" : `1-${cpus - 1}` };
}

/**
 * Pins every thread `pid` has now to `cpus` (util-linux taskset); threads and processes it
 * starts later inherit the affinity of the thread that starts them.
 */
export async function pinProcess(pid: number, cpus: string): Promise<void> {
  await run("taskset", ["--all-tasks", "--pid", "--cpu-list", cpus, String(pid)]);
}
