import { spawnSync } from "node:child_process";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { flag } from "./args.js";
import type { CliContext } from "./cli-context.js";
import { EXIT } from "./exit-codes.js";
import { installLauncher } from "./launcher.js";
import { serviceFile, type ServiceFile } from "./service-files.js";

const hasCommand = (cmd: string): boolean =>
  spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** Runs the service manager when present and allowed; returns the commands left for the user. */
function activate(commands: string[][], noEnable: boolean): string[] {
  const pending = commands.map((c) => c.join(" "));
  const tool = commands[0]?.[0] ?? "";
  if (noEnable || !hasCommand(tool)) return pending;
  for (const [i, c] of commands.entries()) {
    const r = spawnSync(c[0] ?? "", c.slice(1), { stdio: "ignore" });
    if (r.status !== 0) return pending.slice(i);
  }
  return [];
}

/** The command that runs this very CLI (the launcher's fallback when no version is installed). */
export const selfCommand = (): string[] => [
  process.execPath,
  ...process.execArgv,
  path.resolve(process.argv[1] ?? ""),
];

/** The service runs the launcher, so `darkbloom update` switches what it runs (versions/current). */
async function describe(ctx: CliContext, writeLauncher: boolean): Promise<ServiceFile> {
  const extra = ctx.args.flags.has("coordinator")
    ? ["--coordinator", flag(ctx.args, "coordinator") ?? ""]
    : [];
  const home = path.resolve(ctx.paths.home);
  const launcher = path.resolve(ctx.paths.launcher);
  if (writeLauncher) await installLauncher(launcher, home, selfCommand());
  return serviceFile(
    {
      command: [launcher, "start", ...extra],
      home,
      logFile: path.resolve(ctx.paths.logFile),
      drainTimeoutMs: ctx.config.drainTimeoutMs,
    },
    process.platform,
  );
}

/** `darkbloom install-service [--no-enable]`: launchd LaunchAgent on macOS, systemd user unit elsewhere. */
export async function installServiceCommand(ctx: CliContext): Promise<number> {
  const svc = await describe(ctx, true);
  await mkdir(path.dirname(svc.path), { recursive: true });
  await mkdir(path.dirname(ctx.paths.logFile), { recursive: true });
  await writeFile(svc.path, svc.content);
  const todo = activate(svc.enable, flag(ctx.args, "no-enable") === "true");
  ctx.out.result(
    { kind: svc.kind, path: svc.path, pending: todo },
    `wrote ${svc.kind} service ${svc.path}` +
      (todo.length
        ? `\nto start it now, run:\n  ${todo.join("\n  ")}`
        : "\nservice enabled and started"),
  );
  return EXIT.ok;
}

export async function uninstallServiceCommand(ctx: CliContext): Promise<number> {
  const svc = await describe(ctx, false);
  const existed = await stat(svc.path).then(
    () => true,
    () => false,
  );
  const todo = existed ? activate(svc.disable, flag(ctx.args, "no-enable") === "true") : [];
  await rm(svc.path, { force: true });
  ctx.out.result(
    { kind: svc.kind, path: svc.path, removed: existed, pending: todo },
    (existed ? `removed ${svc.path}` : `no service at ${svc.path}`) +
      (todo.length ? `\nalso run:\n  ${todo.join("\n  ")}` : ""),
  );
  return existed ? EXIT.ok : EXIT.notRunning;
}
