/** The environment child processes inherit (the only place the testbed reads process.env). */
export function inheritedEnv(): Record<string, string | undefined> {
  return { ...process.env };
}

/**
 * The built coordinator to run (DARKBLOOM_TESTBED_COORDINATOR_JS, e.g. the bundle of
 * `npm run build:coordinator`, services/coordinator/dist/main.js); unset, the testbed runs the
 * coordinator's TypeScript sources under tsx.
 */
export function builtCoordinator(): string | undefined {
  return process.env.DARKBLOOM_TESTBED_COORDINATOR_JS || undefined;
}
