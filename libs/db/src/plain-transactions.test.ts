import { expect } from "chai";
import { sql } from "slonik";
import { z } from "zod";
import { singleConnectionPools } from "./testing/single-connection-pools.js";

const valueRow = z.object({ v: z.string() });
const countRow = z.object({ n: z.bigint() });
const failOnce = sql.unsafe`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$`;

describe("pool.transaction: plain START TRANSACTION … COMMIT, savepoints, retries", () => {
  const pools = singleConnectionPools();
  const values = (): Promise<readonly string[]> =>
    pools.pool().anyFirst(sql.type(valueRow)`SELECT v FROM plain_tx ORDER BY v`);

  before(async () => {
    await pools.pool().query(sql.unsafe`CREATE TABLE plain_tx (v text PRIMARY KEY)`);
    await pools.pool().query(sql.unsafe`CREATE TABLE plain_rows (id int PRIMARY KEY, n int)`);
    await pools.pool().query(sql.unsafe`INSERT INTO plain_rows VALUES (1, 0), (2, 0)`);
  });
  beforeEach(() => pools.pool().query(sql.unsafe`TRUNCATE plain_tx`));

  it("commits what the handler wrote and returns its value", async () => {
    const out = await pools.pool().transaction(async (tx) => {
      await tx.query(sql.unsafe`INSERT INTO plain_tx VALUES ('a'), ('b')`);
      return 7;
    });
    expect(out).to.equal(7);
    expect(await values()).to.deep.equal(["a", "b"]);
  });

  it("writes nothing when the handler throws, and the error comes back unchanged", async () => {
    const boom = new Error("handler failed");
    const err = await pools
      .pool()
      .transaction(async (tx) => {
        await tx.query(sql.unsafe`INSERT INTO plain_tx VALUES ('a')`);
        throw boom;
      })
      .catch((e: unknown) => e);
    expect(err).to.equal(boom);
    expect(await values()).to.deep.equal([]);
    // the pool still works: the connection was rolled back (or replaced)
    await pools.pool().transaction((tx) => tx.query(sql.unsafe`INSERT INTO plain_tx VALUES ('c')`));
    expect(await values()).to.deep.equal(["c"]);
  });

  it("rolls a failed nested transaction back to its savepoint and commits the rest", async () => {
    await pools.pool().transaction(async (tx) => {
      await tx.query(sql.unsafe`INSERT INTO plain_tx VALUES ('outer')`);
      await tx
        .transaction(async (inner) => {
          await inner.query(sql.unsafe`INSERT INTO plain_tx VALUES ('inner')`);
          await inner.query(sql.unsafe`INSERT INTO plain_tx VALUES ('outer')`); // duplicate key
        })
        .catch(() => undefined);
      await tx.transaction((inner) =>
        inner.query(sql.unsafe`INSERT INTO plain_tx VALUES ('kept')`),
      );
    });
    expect(await values()).to.deep.equal(["kept", "outer"]);
  });

  it("runs a transaction again after a serialization failure, writing once", async () => {
    let runs = 0;
    await pools.pool().transaction(async (tx) => {
      runs++;
      await tx.query(sql.unsafe`INSERT INTO plain_tx VALUES ('once')`);
      if (runs === 1) await tx.query(failOnce);
    });
    expect(runs).to.equal(2);
    expect(await values()).to.deep.equal(["once"]);
  });

  it("does not run a transaction again for other errors (a duplicate key)", async () => {
    await pools.pool().query(sql.unsafe`INSERT INTO plain_tx VALUES ('taken')`);
    let runs = 0;
    const err = await pools
      .pool()
      .transaction(async (tx) => {
        runs++;
        await tx.query(sql.unsafe`INSERT INTO plain_tx VALUES ('taken')`);
      })
      .catch((e: unknown) => e as { code?: string });
    expect(runs).to.equal(1);
    expect(err)
      .to.have.property("message")
      .that.matches(/duplicate key|unique/i);
  });

  it("gives up after the retry limit, rolling every attempt back", async () => {
    let runs = 0;
    const err = await pools
      .pool()
      .transaction(async (tx) => {
        runs++;
        await tx.query(sql.unsafe`INSERT INTO plain_tx VALUES ('never')`);
        await tx.query(failOnce);
      }, 2)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect(runs).to.equal(3);
    expect(await values()).to.deep.equal([]);
  });

  it("resolves a deadlock between two transactions by running the one Postgres aborted again", async () => {
    const reached: Record<string, () => void> = {};
    const at = (name: string) => new Promise<void>((resolve) => (reached[name] = resolve));
    const firstLocked = at("first");
    const secondLocked = at("second");
    let runs = 0;
    const bump = (pool: ReturnType<typeof pools.pool>, mine: number, theirs: number) =>
      pool.transaction(async (tx) => {
        runs++;
        const attempt = runs;
        await tx.query(sql.unsafe`SET LOCAL deadlock_timeout = '50ms'`);
        await tx.query(sql.unsafe`UPDATE plain_rows SET n = n + 1 WHERE id = ${mine}`);
        if (attempt <= 2) {
          reached[mine === 1 ? "first" : "second"]?.();
          await (mine === 1 ? secondLocked : firstLocked);
        }
        await tx.query(sql.unsafe`UPDATE plain_rows SET n = n + 1 WHERE id = ${theirs}`);
      });
    await Promise.all([bump(pools.pool(), 1, 2), bump(pools.other(), 2, 1)]);
    expect(runs, "one of the two ran again").to.equal(3);
    const total = await pools
      .pool()
      .oneFirst(sql.type(countRow)`SELECT sum(n)::int8 AS n FROM plain_rows`);
    expect(total, "both transactions' two updates, each once").to.equal(4n);
  });

  it("runs transactions of a connection from connect() the same way", async () => {
    await pools.pool().connect(async (connection) => {
      await connection
        .transaction(async (tx) => {
          await tx.query(sql.unsafe`INSERT INTO plain_tx VALUES ('lost')`);
          throw new Error("no");
        })
        .catch(() => undefined);
      await connection.transaction((tx) => tx.query(sql.unsafe`INSERT INTO plain_tx VALUES ('x')`));
    });
    expect(await values()).to.deep.equal(["x"]);
  });
});
