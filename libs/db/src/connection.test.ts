import { expect } from "chai";
import { z } from "zod";
import { sql } from "slonik";
import { singleConnectionPools } from "./testing/single-connection-pools.js";

const pidRow = z.object({ pid: z.number() });
const countRow = z.object({ n: z.bigint() });

describe("createPool: a connection back in the pool", () => {
  const pools = singleConnectionPools();

  it("goes back as the same session with no query run on release (no reset round trip)", async () => {
    const first = await pools
      .pool()
      .connect(async (connection) =>
        connection.oneFirst(
          sql.type(pidRow)`SELECT pg_backend_pid() AS pid /* last-before-release */`,
        ),
      );
    // pg_stat_activity shows each session's latest statement: a reset query would replace it
    const last = await pools.other().oneFirst(sql.type(z.object({ query: z.string() }))`
      SELECT query FROM pg_stat_activity WHERE pid = ${first}`);
    expect(last).to.contain("last-before-release");
    const again = await pools.pool().oneFirst(sql.type(pidRow)`SELECT pg_backend_pid() AS pid`);
    expect(again).to.equal(first);
  });

  it("keeps what the session prepared and planned (no DISCARD ALL between transactions)", async () => {
    await pools.pool().transaction(async (tx) => {
      await tx.query(sql.unsafe`PREPARE kept_plan AS SELECT 1`);
    });
    const prepared = await pools.pool().oneFirst(sql.type(countRow)`
      SELECT count(*) AS n FROM pg_prepared_statements WHERE name = 'kept_plan'`);
    expect(prepared).to.equal(1n);
  });
});
