import { createLogger, errorMessage } from "@darkbloom/telemetry";
import { loadProviderConfig } from "../config.js";
import { PROVIDER_VERSION } from "../version.js";
import { flag, parseArgs } from "./args.js";
import { benchmarkCommand } from "./benchmark.js";
import type { CliContext } from "./cli-context.js";
import { doctorCommand } from "./doctor.js";
import { EXIT } from "./exit-codes.js";
import { homePaths } from "./home-paths.js";
import { installServiceCommand, uninstallServiceCommand } from "./install-service.js";
import { localCommand } from "./local.js";
import { loginCommand, logoutCommand } from "./login.js";
import { modelsCommand } from "./models.js";
import { Output } from "./output.js";
import { startCommand } from "./start.js";
import { statusCommand } from "./status.js";
import { stopCommand } from "./stop.js";
import { updateCommand } from "./update.js";

const USAGE = `darkbloom ${PROVIDER_VERSION}: the Darkbloom provider daemon

usage: darkbloom <command> [flags]          (--json: machine-readable output)

commands:
  start [--daemon] [--coordinator URL] [--model DIR]... [--token TOKEN]
                      connect to the coordinator and serve the models (--daemon: detach)
  stop                SIGTERM the daemon and wait until running requests are drained
  status              connection, trust, models, slots, earnings
  models list | download ID|URL | verify [ID] | remove ID | publish DIR --base-url URL --api-key KEY
  benchmark [--model DIR]...      measure prefill/decode tokens/s (sent at registration)
  doctor [--offline]  check libraries, memory, disk, coordinator, keys and models
  login / logout      link this machine to your account (device code)
  local [--port N]    OpenAI-compatible API on localhost, no network
  update [--force]    install the coordinator's latest release (SHA-256 verified)
  install-service / uninstall-service [--no-enable]   launchd (macOS) or systemd --user (Linux)
  version | help

exit codes: 0 ok, 1 failure, 2 usage, 3 check failed, 4 not running, 5 network, 6 auth
`;

type Command = (ctx: CliContext) => Promise<number>;
const COMMANDS: Record<string, Command> = {
  start: startCommand,
  stop: stopCommand,
  status: statusCommand,
  models: modelsCommand,
  benchmark: benchmarkCommand,
  doctor: doctorCommand,
  login: loginCommand,
  logout: logoutCommand,
  local: localCommand,
  update: updateCommand,
  "install-service": installServiceCommand,
  "uninstall-service": uninstallServiceCommand,
};

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const config = loadProviderConfig();
  const out = new Output(flag(args, "json") === "true");
  if (args.command === "version") {
    out.result({ version: PROVIDER_VERSION }, PROVIDER_VERSION);
    return EXIT.ok;
  }
  if (args.command === "help" || args.command === undefined) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const command = COMMANDS[args.command];
  if (!command) {
    process.stderr.write(`unknown command: ${args.command}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const log = createLogger({ level: config.logLevel, base: { service: "provider" } });
  return command({ args, config, log, out, paths: homePaths(config.homeDir) });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`darkbloom: ${errorMessage(err)}\n`);
    process.exit(EXIT.failure);
  },
);
