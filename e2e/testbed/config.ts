/** The environment child processes inherit (the only place the testbed reads process.env). */
export function inheritedEnv(): Record<string, string | undefined> {
  return { ...process.env };
}
