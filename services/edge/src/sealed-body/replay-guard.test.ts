import { createPool, type DatabasePool } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { sealedBodyMigrations } from "./key-store.js";
import { ReplayGuard } from "./replay-guard.js";

const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const nonce = (n: number): Uint8Array => new Uint8Array(24).fill(n);

describe("ReplayGuard (Postgres, shared by replicas)", function () {
  this.timeout(60_000);
  let db: TestDatabase | undefined;
  let otherReplica: DatabasePool | undefined;
  let nowMs = 0;
  const now = (): number => nowMs;

  before(async () => {
    db = await startTestDatabase({ migrations: [sealedBodyMigrations] });
    otherReplica = await createPool(db.url);
  });
  after(async () => {
    await otherReplica?.end();
    await db?.stop();
  });
  const guard = (pool = db?.pool): ReplayGuard => {
    if (!pool) throw new Error("no database");
    return new ReplayGuard(pool, now);
  };

  it("refuses the same ephemeral key and nonce twice, also when the replay reaches another replica", async () => {
    const a = guard();
    const b = guard(otherReplica);
    expect(await a.accept(key(1), nonce(1), 1_000)).to.equal(true);
    expect(await a.accept(key(1), nonce(1), 1_000)).to.equal(false);
    expect(await b.accept(key(1), nonce(1), 1_000)).to.equal(false);
    expect(await b.accept(key(1), nonce(2), 1_000)).to.equal(true);
    expect(await a.accept(key(2), nonce(1), 1_000)).to.equal(true);
  });

  it("accepts exactly one of many concurrent submissions of one body across replicas", async () => {
    const guards = [guard(), guard(otherReplica), guard(), guard(otherReplica)];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (guards[i % 4] as ReplayGuard).accept(key(7), nonce(7), 1_000),
      ),
    );
    expect(results.filter((r) => r === true)).to.have.length(1);
  });

  it("forgets bodies once the key they were sealed to stops being accepted", async () => {
    nowMs = 10_000;
    const g = guard();
    await g.accept(key(3), nonce(3), 20_000);
    await g.accept(key(5), nonce(5), 50_000);
    expect(await g.size()).to.equal(2);
    nowMs = 20_000;
    // Another replica prunes on its first use: the entry whose key expired by now is gone.
    await guard(otherReplica).accept(key(4), nonce(4), 99_000);
    expect(await g.size()).to.equal(2);
    expect(await g.accept(key(3), nonce(3), 30_000)).to.equal(true);
    expect(await g.accept(key(5), nonce(5), 50_000)).to.equal(false);
  });
});
