// The operator's entry point: configuration from the environment, then the Operator until a signal.
import { loadOperatorConfig } from "./config.js";
import { Operator } from "./operator.js";

const config = loadOperatorConfig();
const log = (level: "info" | "warn", message: string, fields: Record<string, unknown> = {}) => {
  if (level === "info" && config.logLevel === "warn") return;
  process.stdout.write(
    JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }) + "\n",
  );
};
const operator = new Operator(config, {
  log,
  // Standing down means exiting: the Deployment restarts the process, which campaigns afresh.
  onLostLease: () => void operator.stop().finally(() => process.exit(1)),
});
operator.start();
log("info", "darkbloom operator started", { identity: config.identity });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  operator.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
