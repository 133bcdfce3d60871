import { spawn } from "node:child_process";
import { mkdir, open, readFile } from "node:fs/promises";
import path from "node:path";
import type { CliContext } from "./cli-context.js";
import { EXIT } from "./exit-codes.js";

const START_TIMEOUT_MS = 120_000;

/**
 * `start --daemon`: re-runs this CLI without `--daemon` as a detached process whose output goes
 * to `<home>/logs/daemon.log`, waits until it reports itself in the status file, then returns.
 */
export async function detachDaemon(ctx: CliContext): Promise<number> {
  const { paths, out } = ctx;
  await mkdir(path.dirname(paths.logFile), { recursive: true });
  const log = await open(paths.logFile, "a");
  const argv = process.argv.slice(1).filter((a) => a !== "--daemon");
  const child = spawn(process.execPath, [...process.execArgv, ...argv], {
    detached: true,
    stdio: ["ignore", log.fd, log.fd],
  });
  await log.close();
  const pid = child.pid ?? 0;
  const exited: { code: number | null } = { code: null };
  child.once("exit", (code) => (exited.code = code ?? 1));
  child.unref();
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until) {
    if (exited.code !== null) {
      out.error(`the daemon exited with code ${exited.code}; see ${paths.logFile}`);
      return EXIT.failure;
    }
    try {
      const status = JSON.parse(await readFile(paths.statusFile, "utf8")) as { pid?: number };
      if (status.pid === pid) {
        out.result(
          { pid, logFile: paths.logFile },
          `darkbloom daemon started (pid ${pid}); logs: ${paths.logFile}`,
        );
        return EXIT.ok;
      }
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  out.error(`the daemon did not report in ${START_TIMEOUT_MS} ms; see ${paths.logFile}`);
  return EXIT.failure;
}
