import { readFile, rm } from "node:fs/promises";
import { writeFileAtomic } from "../write-file-atomic.js";

export async function writePidFile(file: string, pid: number): Promise<void> {
  await writeFileAtomic(file, `${pid}\n`);
}

/** The pid in the file if that process is alive; removes a stale file. */
export async function readLivePid(file: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(file, "utf8")).trim());
  } catch {
    return undefined;
  }
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
  await rm(file, { force: true });
  return undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the pid file only if it still names this process. */
export async function removePidFile(file: string, pid: number): Promise<void> {
  try {
    if (Number((await readFile(file, "utf8")).trim()) === pid) await rm(file, { force: true });
  } catch {
    // already gone
  }
}
