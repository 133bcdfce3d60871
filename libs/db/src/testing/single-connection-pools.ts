import type { DatabasePool } from "slonik";
import { createPool } from "../connection.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../embedded.js";

/**
 * For a mocha `describe`: a fresh embedded Postgres with two pools of one connection each, so
 * that every checkout of `pool()` gets the same session back (or a new one), and `other()` can
 * look at that session from outside. Started before the suite's tests, stopped after them.
 */
export function singleConnectionPools(): { pool: () => DatabasePool; other: () => DatabasePool } {
  let server: EmbeddedPostgres | undefined;
  let pool: DatabasePool | undefined;
  let other: DatabasePool | undefined;
  before(async () => {
    server = await startEmbeddedPostgres();
    pool = await createPool(server.url, { maximumPoolSize: 1 });
    other = await createPool(server.url, { maximumPoolSize: 1 });
  });
  after(async () => {
    await pool?.end();
    await other?.end();
    await server?.stop();
  });
  const started = (p: DatabasePool | undefined): DatabasePool => {
    if (p === undefined) throw new Error("the before hook did not run");
    return p;
  };
  return { pool: () => started(pool), other: () => started(other) };
}
