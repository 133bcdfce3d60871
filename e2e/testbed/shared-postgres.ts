import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPool, type DatabasePool } from "@darkbloom/db";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@darkbloom/testing";

/** One embedded Postgres that several coordinator processes and the test process share. */
export interface SharedPostgres {
  readonly url: string;
  readonly port: number;
  /** The test process's own pool (account creation, ledger audits). */
  readonly pool: DatabasePool;
  /** Stops the server (fast shutdown) and starts it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  /** Stops the server only (for outage tests); `start()` brings it back. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSharedPostgres(): Promise<SharedPostgres> {
  const root = await mkdtemp(path.join(tmpdir(), "darkbloom-pg-"));
  // Embedded Postgres runs as the `postgres` user when we are root; it must be able to enter.
  await chmod(root, 0o755);
  const dataDir = path.join(root, "data");
  let server: EmbeddedPostgres | undefined;
  try {
    server = await startEmbeddedPostgres({ dataDir, durable: false });
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw new Error("shared Postgres did not start", { cause: err });
  }
  const { url, port } = server;
  const pool = await createPool(url, { maximumPoolSize: 4 });
  const stopServer = async (): Promise<void> => {
    const s = server;
    server = undefined;
    await s?.stop();
  };
  const startServer = async (): Promise<void> => {
    server ??= await startEmbeddedPostgres({ dataDir, port, durable: false });
  };
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    pool,
    stopServer,
    startServer,
    async restart(downMs = 0) {
      await stopServer();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await startServer();
    },
    stop() {
      stopped ??= (async () => {
        await pool.end();
        await stopServer();
        await rm(root, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
