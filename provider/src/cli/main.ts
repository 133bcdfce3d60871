import { createLogger, errorMessage } from "@darkbloom/telemetry";
import { loadProviderConfig } from "../config.js";
import { PROVIDER_VERSION } from "../version.js";
import { parseArgs } from "./args.js";
import { startCommand } from "./start.js";

const USAGE = `darkbloom ${PROVIDER_VERSION}: the Darkbloom provider daemon

usage: darkbloom <command> [flags]

commands:
  start [--coordinator URL] [--model DIR]... [--token TOKEN]
                 connect to the coordinator and serve the models
  version        print the version
  help           this text
`;

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const config = loadProviderConfig();
  const log = createLogger({ level: config.logLevel, base: { service: "provider" } });
  switch (args.command) {
    case "start":
      return startCommand(args, config, log);
    case "version":
      process.stdout.write(PROVIDER_VERSION + "\n");
      return 0;
    case "help":
    case undefined:
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`unknown command: ${args.command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`darkbloom: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
