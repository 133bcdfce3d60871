// The environment test helpers pass on to the processes they start (tests only).
export function inheritedEnv(): Record<string, string | undefined> {
  return { ...process.env };
}
