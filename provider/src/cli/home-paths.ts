import path from "node:path";

/** Where everything lives under DARKBLOOM_HOME. */
export function homePaths(home: string) {
  return {
    home,
    models: path.join(home, "models"),
    pidFile: path.join(home, "daemon.pid"),
    statusFile: path.join(home, "status.json"),
    logFile: path.join(home, "logs", "daemon.log"),
    benchmarks: path.join(home, "benchmarks.json"),
    hashCache: path.join(home, "hash-cache.json"),
    credentials: path.join(home, "credentials.json"),
    versions: path.join(home, "versions"),
    /** The stable launcher the service runs: execs versions/current (launcher.ts). */
    launcher: path.join(home, "bin", "darkbloom"),
  };
}
export type HomePaths = ReturnType<typeof homePaths>;
