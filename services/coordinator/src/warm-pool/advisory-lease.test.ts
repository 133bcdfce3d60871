import { expect } from "chai";
import { z } from "zod";
import { createPool, sql, type DatabasePool } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { createLogger } from "@darkbloom/telemetry";
import { AdvisoryLease } from "./advisory-lease.js";

const KEY = 880_017n;
const countRow = z.object({ n: z.bigint() });
const lockedRow = z.object({ locked: z.boolean() });

describe("AdvisoryLease: the session lock stays with the lease", () => {
  let database: TestDatabase | undefined;
  let pool: DatabasePool | undefined;
  let other: DatabasePool | undefined;
  const leases: AdvisoryLease[] = [];

  beforeEach(async () => {
    database = await startTestDatabase();
    // one connection: the lease's checkout goes back to it, and the next checkout gets it
    pool = await createPool(database.url, { maximumPoolSize: 1 });
    other = await createPool(database.url, { maximumPoolSize: 1 });
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.close();
    await pool?.end();
    await other?.end();
    await database?.stop();
  });
  const db = (p: DatabasePool | undefined): DatabasePool => {
    if (p === undefined) throw new Error("beforeEach did not run");
    return p;
  };

  /** A started lease and a promise per change of `held`, in order. */
  const startLease = (): {
    lease: AdvisoryLease;
    changes: boolean[];
    next: () => Promise<boolean>;
  } => {
    const changes: boolean[] = [];
    const waiters: ((held: boolean) => void)[] = [];
    const lease = new AdvisoryLease(
      db(pool),
      KEY,
      20,
      (held) => {
        changes.push(held);
        waiters.shift()?.(held);
      },
      createLogger({ level: "error" }),
    );
    leases.push(lease);
    lease.start();
    let seen = 0;
    const next = (): Promise<boolean> => {
      const index = seen++;
      if (index < changes.length) return Promise.resolve(changes[index] ?? false);
      return new Promise((resolve) => waiters.push(resolve));
    };
    return { lease, changes, next };
  };
  const otherTakes = (): Promise<boolean> =>
    db(other).connect(async (connection) => {
      const locked = await connection.oneFirst(sql.type(lockedRow)`
        SELECT pg_try_advisory_lock(${KEY}) AS locked`);
      if (locked) await connection.query(sql.unsafe`SELECT pg_advisory_unlock(${KEY})`);
      return locked;
    });
  const locksOfNextCheckout = (): Promise<bigint> =>
    db(pool).oneFirst(sql.type(countRow)`
      SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`);

  it("holds the lock while running; once closed, the pool's next checkout holds no lock", async () => {
    const { lease, next } = startLease();
    expect(await next()).to.equal(true);
    expect(await otherTakes(), "another session takes the held lock").to.equal(false);
    await lease.close();
    expect(lease.held).to.equal(false);
    expect(await locksOfNextCheckout(), "advisory locks of the reused connection").to.equal(0n);
    expect(await otherTakes(), "another session takes the lock").to.equal(true);
  });

  it("loses the lease when its connection breaks, takes it again, and leaves no lock behind", async () => {
    const { lease, next } = startLease();
    expect(await next()).to.equal(true);
    await db(other).query(sql.unsafe`
      SELECT pg_terminate_backend(pid) FROM pg_locks
      WHERE locktype = 'advisory' AND objid = ${Number(KEY & 0xffffffffn)}`);
    expect(await next(), "lost with its session").to.equal(false);
    expect(await next(), "taken again on a new connection").to.equal(true);
    await lease.close();
    expect(await locksOfNextCheckout()).to.equal(0n);
    expect(await otherTakes()).to.equal(true);
  });
});
