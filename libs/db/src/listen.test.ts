import { expect } from "chai";
import { createPool } from "./connection.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded.js";
import { pickFreePort } from "./free-port.js";
import { listenChannel, type Listener } from "./listen.js";
import { sql } from "slonik";

const timeouts = (): number =>
  process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

/** Resolves with the next value `take` is given, or rejects after `ms`. */
function nextValue<T>(ms: number): { take: (v: T) => void; value: Promise<T> } {
  let take!: (v: T) => void;
  const value = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    take = (v) => {
      clearTimeout(timer);
      resolve(v);
    };
  });
  return { take, value };
}

describe("listenChannel", () => {
  it("rejects when the database cannot be reached, and stops trying to reconnect", async () => {
    const port = await pickFreePort();
    const before = timeouts();
    let lost = 0;
    const listening = listenChannel(`postgres://nobody@127.0.0.1:${port}/none`, "anything", {
      onNotify: () => undefined,
      onLost: () => lost++,
    });
    await listening.then(
      () => expect.fail("listening on an unreachable database succeeded"),
      (err: unknown) => expect(String(err)).to.match(/ECONNREFUSED/),
    );
    expect(timeouts(), "a reconnect timer outlived the rejected call").to.equal(before);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(lost, "it kept reconnecting for a caller that has no listener").to.equal(1);
  });

  describe("with a database", () => {
    let db: EmbeddedPostgres;
    before(async function () {
      this.timeout(60_000);
      db = await startEmbeddedPostgres();
    });
    after(async () => {
      await db?.stop();
    });

    it("delivers notifications, and again after its connection is killed", async function () {
      this.timeout(20_000);
      const pool = await createPool(db.url, { maximumPoolSize: 2 });
      let listener: Listener | undefined;
      try {
        let payload = nextValue<string>(5_000);
        const relistened = nextValue<void>(5_000);
        let listens = 0;
        listener = await listenChannel(db.url, "darkbloom_listen_test", {
          onNotify: (p) => payload.take(p),
          onListening: () => {
            if (++listens > 1) relistened.take();
          },
        });
        await pool.query(sql.unsafe`SELECT pg_notify('darkbloom_listen_test', 'first')`);
        expect(await payload.value).to.equal("first");

        payload = nextValue<string>(5_000);
        await pool.query(sql.unsafe`
          SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE query = 'LISTEN darkbloom_listen_test'`);
        await relistened.value;
        await pool.query(sql.unsafe`SELECT pg_notify('darkbloom_listen_test', 'second')`);
        expect(await payload.value).to.equal("second");
      } finally {
        await listener?.close();
        await pool.end();
      }
    });
  });
});
