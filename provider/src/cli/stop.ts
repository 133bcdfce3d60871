import { flag } from "./args.js";
import type { CliContext } from "./cli-context.js";
import { EXIT } from "./exit-codes.js";
import { isAlive, readLivePid } from "./pid-file.js";

/** `darkbloom stop [--timeout-ms N]`: SIGTERM via the pid file, then wait for the drain to end. */
export async function stopCommand(ctx: CliContext): Promise<number> {
  const { out, paths, config } = ctx;
  const pid = await readLivePid(paths.pidFile);
  if (pid === undefined) {
    out.result({ stopped: false, reason: "not running" }, "no darkbloom daemon is running");
    return EXIT.notRunning;
  }
  process.kill(pid, "SIGTERM");
  out.info(`sent SIGTERM to ${pid}; waiting for running requests to finish`);
  const timeoutMs = Number(flag(ctx.args, "timeout-ms") ?? config.drainTimeoutMs + 15_000);
  const until = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > until) {
      out.error(`pid ${pid} is still running after ${timeoutMs} ms`);
      return EXIT.failure;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  out.result({ stopped: true, pid }, `darkbloom daemon ${pid} stopped`);
  return EXIT.ok;
}
