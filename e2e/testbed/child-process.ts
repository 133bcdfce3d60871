import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inheritedEnv } from "./config.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const live = new Set<ChildProcess>();
// A run that ends with children still running (a crash, an aborted run, a stop() never reached)
// asks each to stop. SIGTERM rather than SIGKILL: a coordinator then stops its embedded Postgres,
// which a killed one would leave running.
process.once("exit", () => {
  for (const c of live) c.kill("SIGTERM");
});

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of pattern in stdout+stderr, or rejects on exit/timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

/**
 * The loader the coordinator runs under in production (libs/ts-loader: esbuild's transform
 * without tsx's keepNames); pass it as `loader` when spawning services/coordinator/src/main.ts.
 */
export const COORDINATOR_LOADER = "@darkbloom/ts-loader/register";

/**
 * Spawns a TypeScript entry point under tsx (or `options.loader`); every child is tracked so none
 * outlives the run.
 */
export function spawnTs(
  entry: string,
  args: readonly string[],
  env: Record<string, string>,
  options: SpawnOptions = {},
): Spawned {
  const loader = options.loader ?? "tsx";
  return spawnTracked(process.execPath, ["--import", loader, entry, ...args], env, entry, options);
}

export interface SpawnOptions {
  /**
   * Lead a process group of its own, as a shell runs a foreground job: `process.kill(-pid, sig)`
   * then signals it and everything it spawned in its group, as a Ctrl-C in its terminal does.
   */
  processGroup?: boolean;
  /** The module `--import`ed to run TypeScript (default tsx). */
  loader?: string;
}

/** Spawns any program (e.g. haproxy), tracked like spawnTs; `entry` names it in errors. */
export function spawnTracked(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  entry: string = command,
  options: SpawnOptions = {},
): Spawned {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...inheritedEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.processGroup === true,
  });
  live.add(child);
  let text = "";
  const listeners = new Set<() => void>();
  const onData = (b: Buffer): void => {
    text += b.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  // A program that cannot be spawned (e.g. haproxy not installed) emits 'error' and never 'exit'.
  let spawnFailed = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", (err) => {
      spawnFailed = true;
      text += `\n${command} could not be started: ${err.message}\n`;
      resolve();
    });
  });
  const gone = (): boolean => spawnFailed || child.exitCode !== null || child.signalCode !== null;
  void exited.then(() => {
    live.delete(child);
    for (const l of listeners) l();
  });

  const waitFor = (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = text.match(pattern);
        if (m) return finish(() => resolve(m));
        if (gone()) {
          finish(() =>
            reject(
              new Error(
                `${entry} exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${text}`,
              ),
            ),
          );
        }
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`timed out waiting for ${pattern} from ${entry}:\n${text}`)),
          ),
        timeoutMs,
      );
      const finish = (f: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        f();
      };
      listeners.add(check);
      check();
    });

  const stop = async (graceMs = 10_000): Promise<void> => {
    if (gone()) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async (): Promise<void> => {
    if (gone()) return;
    child.kill("SIGKILL");
    await exited;
  };
  return { child, output: () => text, waitFor, stop, kill };
}

/**
 * The child's exit code once it has exited (at once when it already has), `killed by SIG…` when a
 * signal ended it, or a text saying it was still running after `timeoutMs`.
 */
export function exitOutcome(child: ChildProcess, timeoutMs = 30_000): Promise<number | string> {
  const outcome = (code: number | null, signal: NodeJS.Signals | null): number | string =>
    code ?? `killed by ${signal ?? "?"}`;
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(outcome(child.exitCode, child.signalCode));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(`still running ${timeoutMs} ms later`), timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(outcome(code, signal));
    });
  });
}
