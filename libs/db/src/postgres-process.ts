import { spawn, type ChildProcess } from "node:child_process";
import { ConnectError, Code } from "@connectrpc/connect";
import type { RunAs } from "./run-command.js";

export type PostgresProcessOptions = {
  readonly postgres: string;
  readonly dataDir: string;
  readonly port: number;
  /** false: fsync, synchronous_commit and full_page_writes off (tests, benchmarks). */
  readonly durable: boolean;
  readonly runAs: RunAs;
  readonly onLog: (line: string) => void;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
};

export type PostgresProcess = {
  readonly pid: number;
  /** Fast shutdown (SIGINT), SIGKILL after `stopTimeoutMs`; resolves once the server has exited. */
  stop(): Promise<void>;
};

type State =
  | { readonly kind: "running" }
  | { readonly kind: "stopping"; readonly exited: Promise<void> }
  | { readonly kind: "exited" };

const READY = "database system is ready to accept connections";
const LOG_TAIL_LINES = 40;

/** Starts a PostgreSQL server on 127.0.0.1 only (no Unix socket) and resolves when it accepts connections. */
export async function spawnPostgres(options: PostgresProcessOptions): Promise<PostgresProcess> {
  const child = spawn(
    options.postgres,
    [
      "-D",
      options.dataDir,
      "-p",
      String(options.port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "lc_messages=C",
      "-c",
      "max_connections=200",
      ...(options.durable
        ? []
        : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
    ],
    // Its own process group: a Ctrl-C in the coordinator's terminal (SIGINT to the foreground
    // group) or the terminal closing would otherwise stop the server at once, while the
    // coordinator is still settling the requests it drains. The coordinator stops it last.
    { ...options.runAs, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const tail: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new ConnectError(
          `PostgreSQL did not start within ${options.startTimeoutMs} ms:\n${tail.join("\n")}`,
          Code.DeadlineExceeded,
        ),
      );
    }, options.startTimeoutMs);
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      options.onLog(line);
      if (line.includes(READY)) {
        clearTimeout(timer);
        resolve();
      }
    };
    forEachLine(child, onLine);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(
        new ConnectError(
          `could not spawn ${options.postgres}`,
          Code.Internal,
          undefined,
          undefined,
          error,
        ),
      );
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(
        new ConnectError(
          `PostgreSQL exited during startup (code ${child.exitCode}):\n${tail.join("\n")}`,
          Code.Unavailable,
        ),
      );
    });
  });
  return ownProcess(child, exited, options.stopTimeoutMs);
}

function ownProcess(
  child: ChildProcess,
  exited: Promise<void>,
  stopTimeoutMs: number,
): PostgresProcess {
  let state: State = { kind: "running" };
  void exited.then(() => {
    state = { kind: "exited" };
  });
  return {
    pid: child.pid ?? -1,
    stop: async () => {
      switch (state.kind) {
        case "exited":
          return;
        case "stopping":
          return state.exited;
        case "running": {
          const killer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
          const done = exited.finally(() => clearTimeout(killer));
          state = { kind: "stopping", exited: done };
          child.kill("SIGINT");
          return done;
        }
      }
    },
  };
}

/** Splits stdout and stderr into lines; both must be drained or a chatty server blocks on a full pipe. */
function forEachLine(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
  }
}
