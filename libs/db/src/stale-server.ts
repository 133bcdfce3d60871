import { readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectError, Code } from "@connectrpc/connect";

/**
 * A previous run that died without stopping its server leaves that server running on the data
 * folder (PostgreSQL then refuses to start). If `postmaster.pid` names a live process that is our
 * binary on this very folder, ask it to shut down (fast mode) and wait. A pid file naming a dead
 * process is left alone: PostgreSQL replaces stale pid files itself.
 */
export async function stopStaleServer(
  dataDir: string,
  postgresBinary: string,
  timeoutMs: number,
): Promise<void> {
  const pidText = await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(
    () => undefined,
  );
  const pid =
    pidText === undefined ? Number.NaN : Number.parseInt(pidText.split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
    return;
  }
  const commandLine = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const args = commandLine.split("\0");
  if (args[0] !== postgresBinary || !args.includes(dataDir)) {
    throw new ConnectError(
      `${dataDir} is in use by another process (pid ${pid})`,
      Code.FailedPrecondition,
    );
  }
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      throw new ConnectError(
        `stale PostgreSQL server (pid ${pid}) did not stop within ${timeoutMs} ms`,
        Code.DeadlineExceeded,
      );
    }
    await sleep(50);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means it exists but belongs to someone else; ESRCH means it is gone.
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}
