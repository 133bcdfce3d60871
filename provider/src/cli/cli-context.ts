import type { Logger } from "@darkbloom/telemetry";
import type { ProviderConfig } from "../config.js";
import type { ParsedArgs } from "./args.js";
import type { HomePaths } from "./home-paths.js";
import type { Output } from "./output.js";

/** What every command gets from main.ts. */
export interface CliContext {
  args: ParsedArgs;
  config: ProviderConfig;
  log: Logger;
  out: Output;
  paths: HomePaths;
}
