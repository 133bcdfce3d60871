import { expect } from "chai";
import { z } from "zod";
import { sql } from "slonik";
import { singleConnectionPools } from "./testing/single-connection-pools.js";
import { withSessionLocks } from "./session-locks.js";

const pidRow = z.object({ pid: z.number() });
const countRow = z.object({ n: z.bigint() });
const lockedRow = z.object({ locked: z.boolean() });

describe("withSessionLocks: a session advisory lock never outlives the checkout", () => {
  const pools = singleConnectionPools();
  /** Advisory locks the session of the pool's next checkout holds, and its backend pid. */
  const nextCheckout = (): Promise<{ pid: number; locks: bigint }> =>
    pools.pool().connect(async (connection) => ({
      pid: await connection.oneFirst(sql.type(pidRow)`SELECT pg_backend_pid() AS pid`),
      locks: await connection.oneFirst(sql.type(countRow)`
        SELECT count(*) AS n FROM pg_locks
        WHERE locktype = 'advisory' AND pid = pg_backend_pid()`),
    }));
  const otherTakes = async (key: number): Promise<boolean> => {
    const taken = await pools.other().connect(async (connection) => {
      const locked = await connection.oneFirst(sql.type(lockedRow)`
        SELECT pg_try_advisory_lock(${key}) AS locked`);
      if (locked) await connection.query(sql.unsafe`SELECT pg_advisory_unlock(${key})`);
      return locked;
    });
    return taken;
  };

  it("releases a lock the handler left taken; the connection goes back (same session)", async () => {
    const pid = await withSessionLocks(pools.pool(), async (connection) => {
      await connection.query(sql.unsafe`SELECT pg_advisory_lock(4242)`);
      await connection.query(sql.unsafe`SELECT pg_advisory_lock(4243)`);
      return connection.oneFirst(sql.type(pidRow)`SELECT pg_backend_pid() AS pid`);
    });
    const next = await nextCheckout();
    expect(next.pid, "the same pooled session").to.equal(pid);
    expect(next.locks, "advisory locks held by the next checkout").to.equal(0n);
    expect(await otherTakes(4242), "another session takes the lock").to.equal(true);
  });

  it("destroys the connection when the handler throws holding a lock", async () => {
    let pid = 0;
    const failed = await withSessionLocks(pools.pool(), async (connection) => {
      await connection.query(sql.unsafe`SELECT pg_advisory_lock(4244)`);
      pid = await connection.oneFirst(sql.type(pidRow)`SELECT pg_backend_pid() AS pid`);
      throw new Error("handler failed");
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(String(failed)).to.contain("handler failed");
    const next = await nextCheckout();
    expect(next.pid, "a new session").to.not.equal(pid);
    expect(next.locks).to.equal(0n);
    // the ended session's locks go as its backend exits (asynchronously): try a few times
    let taken = false;
    for (let i = 0; i < 50 && !taken; i++) {
      taken = await otherTakes(4244);
      if (!taken) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(taken, "another session takes the lock").to.equal(true);
  });
});
