import { createLogger, errorMessage, guardProcess, ignoreOutputErrors } from "@darkbloom/telemetry";
import { readBootstrapKey } from "./bootstrap-key-file.js";
import { startCoordinator } from "./compose.js";
import { loadConfig } from "./config.js";
import { describeSecurityPosture, embeddedPostgresRefusal } from "./security-posture.js";

ignoreOutputErrors([process.stdout, process.stderr]);
const config = loadConfig();
const log = createLogger({ level: config.logLevel, base: { service: "coordinator" } });

// Stated before anything else, so the posture is the first thing an operator reads.
process.stdout.write(describeSecurityPosture(config));
const refusal = embeddedPostgresRefusal(config);
if (refusal) {
  process.stderr.write(refusal);
  process.exit(1);
}
try {
  const coordinator = await startCoordinator(config, log);
  // From here on no error ends the process: one that escaped every handler is logged and
  // counted (darkbloom_unexpected_errors_total) instead. Startup failures above still exit.
  guardProcess(coordinator.unexpected, process);
  const key =
    coordinator.bootstrapKey ??
    (config.databaseUrl ? undefined : await readBootstrapKey(config.dataDir));
  process.stdout.write(`Darkbloom coordinator listening on ${coordinator.url}\n`);
  process.stdout.write(`Metrics on ${coordinator.metricsUrl}/metrics\n`);
  if (coordinator.bootstrapKey)
    process.stdout.write(`Admin API key (shown once): ${coordinator.bootstrapKey}\n`);
  else if (key) process.stdout.write(`Admin API key: ${key}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    coordinator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("shutdown failed", { error: errorMessage(err) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // The terminal it runs in closed: drain and stop as for SIGTERM, rather than die on the spot.
  process.on("SIGHUP", () => stop("SIGHUP"));
} catch (err) {
  log.error("coordinator failed to start", { error: errorMessage(err) });
  process.exit(1);
}
