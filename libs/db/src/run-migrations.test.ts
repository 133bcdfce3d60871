import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { z } from "zod";
import { createPool } from "./connection.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded.js";
import { runMigrations, type MigrationSource } from "./run-migrations.js";
import { sql, type DatabasePool } from "slonik";

describe("runMigrations", () => {
  let server: EmbeddedPostgres | undefined;
  let pool: DatabasePool | undefined;
  let folder = "";

  before(async () => {
    server = await startEmbeddedPostgres();
    pool = await createPool(server.url);
    folder = await mkdtemp(path.join(tmpdir(), "darkbloom-migrations-"));
    await writeFile(
      path.join(folder, "001_widgets.sql"),
      "CREATE TABLE widgets (id int PRIMARY KEY);\nCREATE TABLE runs (n int);",
    );
    await writeFile(
      path.join(folder, "002_seed.sql"),
      "INSERT INTO runs VALUES (1);\nINSERT INTO widgets VALUES (1), (2);",
    );
    await writeFile(path.join(folder, "README.md"), "not a migration");
  });

  after(async () => {
    await pool?.end();
    await server?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  const source = (): MigrationSource => ({ service: "widgets", directory: folder });
  const db = (): DatabasePool => {
    if (pool === undefined) throw new Error("before hook did not run");
    return pool;
  };

  it("applies pending files in order, then nothing on the next run", async () => {
    expect((await runMigrations(db(), source())).applied).to.deep.equal([
      "001_widgets",
      "002_seed",
    ]);
    expect((await runMigrations(db(), source())).applied).to.deep.equal([]);
    expect(
      await db().oneFirst(sql.type(z.object({ n: z.bigint() }))`SELECT count(*) AS n FROM runs`),
    ).to.equal(1n);
  });

  it("applies each file once when several processes migrate at the same moment", async () => {
    await writeFile(path.join(folder, "003_more.sql"), "INSERT INTO runs VALUES (3);");
    const url = server?.url ?? "";
    const pools = await Promise.all(
      [1, 2, 3, 4].map(() => createPool(url, { maximumPoolSize: 1 })),
    );
    try {
      const reports = await Promise.all(pools.map((p) => runMigrations(p, source())));
      expect(reports.flatMap((report) => report.applied)).to.deep.equal(["003_more"]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    expect(
      await db().oneFirst(
        sql.type(z.object({ n: z.bigint() }))`SELECT count(*) AS n FROM runs WHERE n = 3`,
      ),
    ).to.equal(1n);
  });

  it("rolls a failing file back completely and records nothing", async () => {
    await writeFile(
      path.join(folder, "004_broken.sql"),
      "CREATE TABLE half_made (id int);\nSELECT no_such_function();",
    );
    let failure: unknown;
    await runMigrations(db(), source()).catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(Error);
    expect(
      await db().exists(
        sql.type(
          z.object({ x: z.number() }),
        )`SELECT 1 AS x FROM pg_tables WHERE tablename = 'half_made'`,
      ),
    ).to.equal(false);
    await rm(path.join(folder, "004_broken.sql"));
  });

  it("leaves its session lock with no pooled connection, applied or failed", async () => {
    const one = await createPool(server?.url ?? "", { maximumPoolSize: 1 });
    const locksOfNextCheckout = (): Promise<bigint> =>
      one.oneFirst(sql.type(z.object({ n: z.bigint() }))`
        SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`);
    try {
      await writeFile(path.join(folder, "004_fine.sql"), "INSERT INTO runs VALUES (4);");
      expect((await runMigrations(one, source())).applied).to.deep.equal(["004_fine"]);
      expect(await locksOfNextCheckout(), "after applying").to.equal(0n);
      await writeFile(path.join(folder, "005_broken.sql"), "SELECT no_such_function();");
      let failure: unknown;
      await runMigrations(one, source()).catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(Error);
      expect(await locksOfNextCheckout(), "after a failing file").to.equal(0n);
    } finally {
      await rm(path.join(folder, "005_broken.sql"), { force: true });
      await one.end();
    }
  });

  it("refuses a file renamed after it was applied", async () => {
    await rm(path.join(folder, "003_more.sql"));
    await writeFile(path.join(folder, "003_renamed.sql"), "SELECT 1;");
    let failure: unknown;
    await runMigrations(db(), source()).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.include("was applied as 003_more");
  });
});
