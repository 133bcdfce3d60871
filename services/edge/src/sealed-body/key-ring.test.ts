import { randomBytes } from "node:crypto";
import {
  boxBeforenm,
  generateKeyPair,
  openWithSharedKey,
  sealWithSharedKey,
} from "@darkbloom/crypto";
import { sql } from "@darkbloom/db";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { z } from "zod";
import { CoordinatorKeyRing } from "./key-ring.js";
import { sealedBodyMigrations } from "./key-store.js";

const HOUR_MS = 3_600_000;

describe("CoordinatorKeyRing", function () {
  this.timeout(60_000);
  let db: TestDatabase | undefined;
  let nowMs = 1_000_000_000_000;
  const now = (): number => nowMs;
  const atRestKey = new Uint8Array(randomBytes(32));
  const rings: CoordinatorKeyRing[] = [];
  const ring = (): CoordinatorKeyRing => {
    if (!db) throw new Error("no database");
    const r = new CoordinatorKeyRing(db.pool, {
      rotationMs: 24 * HOUR_MS,
      graceMs: HOUR_MS,
      atRestKey,
      reloadIntervalMs: 0,
      now,
    });
    rings.push(r);
    return r;
  };

  before(async () => {
    db = await startTestDatabase({ migrations: [sealedBodyMigrations] });
  });
  after(async () => {
    for (const r of rings) r.close();
    await db?.stop();
  });

  it("hands out one current key until the rotation period ends, then a new one", async () => {
    const keys = ring();
    const first = await keys.current();
    nowMs += 23 * HOUR_MS;
    expect((await keys.current()).kid).to.equal(first.kid);
    nowMs += 2 * HOUR_MS;
    const second = await keys.current();
    expect(second.kid).to.not.equal(first.kid);
    expect(second.kid).to.match(/^ek_[0-9a-f]{16}$/);
  });

  it("keeps opening with the previous key during the grace period, then calls it expired", async () => {
    const keys = ring();
    const old = await keys.current();
    nowMs += 24 * HOUR_MS + 1;
    await keys.current();
    const inGrace = await keys.find(old.kid);
    expect(inGrace.ok).to.equal(true);
    nowMs += HOUR_MS;
    expect(await keys.find(old.kid)).to.deep.equal({ ok: false, reason: "expired_kid" });
    expect(await keys.find("ek_0000000000000000")).to.deep.equal({
      ok: false,
      reason: "unknown_kid",
    });
  });

  it("persists the key so another replica (a second ring) opens what was sealed to it", async () => {
    const a = await ring().current();
    const found = await ring().find(a.kid);
    if (!found.ok) throw new Error(`second ring did not find ${a.kid}`);
    const sender = generateKeyPair();
    const sealed = sealWithSharedKey(
      boxBeforenm(a.publicKey, sender.secretKey),
      new Uint8Array([7]),
    );
    const opened = openWithSharedKey(boxBeforenm(sender.publicKey, found.key.secretKey), sealed);
    expect([...opened]).to.deep.equal([7]);
  });

  it("stores the secret sealed under the at-rest key, never raw", async () => {
    const key = await ring().current();
    const row = await db?.pool.one(
      sql.type(z.object({ secret_key: z.instanceof(Buffer), secret_sealed: z.boolean() }))`
        SELECT secret_key, secret_sealed FROM edge_encryption_keys WHERE kid = ${key.kid}`,
    );
    expect(row?.secret_sealed).to.equal(true);
    expect(row?.secret_key.length).to.equal(24 + 16 + 32);
    expect(row?.secret_key.includes(Buffer.from(key.secretKey))).to.equal(false);
  });
});
