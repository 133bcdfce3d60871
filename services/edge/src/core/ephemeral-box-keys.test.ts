import { expect } from "chai";
import {
  CryptoError,
  boxBeforenm,
  ephemeralBoxKey,
  generateKeyPair,
  openWithSharedKey,
  sealWithSharedKey,
} from "@darkbloom/crypto";
import { EphemeralBoxKeys, type EphemeralBoxKeysOptions } from "./ephemeral-box-keys.js";

/** A pool whose work made ahead runs only when the test says, on the test's clock. */
function manualPool(options: EphemeralBoxKeysOptions = {}) {
  const queued: (() => void)[] = [];
  const clock = { now: 1_000 };
  const pool = new EphemeralBoxKeys({
    later: (work) => queued.push(work),
    now: () => clock.now,
    ...options,
  });
  const runQueued = (): number => {
    let ran = 0;
    while (queued.length > 0) {
      (queued.shift() as () => void)();
      ran++;
    }
    return ran;
  };
  return { pool, clock, runQueued };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("EphemeralBoxKeys", () => {
  it("gives keys the provider derives too, whether made now or ahead, and seals it can open", () => {
    const provider = generateKeyPair();
    const { pool, runQueued } = manualPool();
    const inline = pool.take(provider.publicKey);
    pool.take(provider.publicKey); // sealed to twice: keys are made ahead from now on
    runQueued();
    expect(pool.waiting).to.equal(2);
    const ahead = pool.take(provider.publicKey);
    expect(pool.waiting).to.equal(1);
    for (const key of [inline, ahead]) {
      expect(hex(boxBeforenm(key.publicKey, provider.secretKey))).to.equal(hex(key.sharedKey));
      const sealed = sealWithSharedKey(key.sharedKey, new TextEncoder().encode("hello"));
      const providerKey = boxBeforenm(key.publicKey, provider.secretKey);
      expect(new TextDecoder().decode(openWithSharedKey(providerKey, sealed))).to.equal("hello");
    }
  });

  it("never hands out the same sender key twice", () => {
    const provider = generateKeyPair();
    const { pool, runQueued } = manualPool({ depth: 3 });
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      seen.add(hex(pool.take(provider.publicKey).publicKey));
      if (i % 3 === 0) runQueued();
    }
    expect(seen.size).to.equal(40);
  });

  it("makes no key for a provider sealed to once, or not again within maxAgeMs", () => {
    const made: string[] = [];
    const { pool, clock, runQueued } = manualPool({
      maxAgeMs: 10_000,
      make: (recipient) => {
        made.push(hex(recipient));
        return ephemeralBoxKey(recipient);
      },
    });
    // a large fleet: each provider sealed to once
    const fleet = Array.from({ length: 20 }, () => generateKeyPair());
    for (const p of fleet) pool.take(p.publicKey);
    runQueued();
    expect([made.length, pool.waiting]).to.deep.equal([20, 0]);
    // the first again, but only after maxAgeMs: still nothing made ahead
    clock.now += 10_001;
    pool.take((fleet[0] as (typeof fleet)[number]).publicKey);
    runQueued();
    expect([made.length, pool.waiting]).to.deep.equal([21, 0]);
  });

  it("makes keys only for recipients taken within maxAgeMs, and wipes the ones left too long", () => {
    const used = generateKeyPair();
    const idle = generateKeyPair();
    const { pool, clock, runQueued } = manualPool({ maxAgeMs: 10_000 });
    pool.take(idle.publicKey);
    pool.take(idle.publicKey);
    runQueued();
    expect(pool.waiting).to.equal(2);

    clock.now += 10_001;
    pool.take(used.publicKey);
    pool.take(used.publicKey);
    // the idle recipient's two keys were wiped at these takes; only the used one gets new keys
    expect(pool.waiting).to.equal(0);
    runQueued();
    expect(pool.waiting).to.equal(2);
    const next = pool.take(idle.publicKey);
    // made now (none waiting for it), and right
    expect(hex(boxBeforenm(next.publicKey, idle.secretKey))).to.equal(hex(next.sharedKey));
  });

  it("zeroes the shared keys it drops: too old, evicted, cleared", () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const made: { recipient: string; sharedKey: Uint8Array }[] = [];
    const { pool, clock, runQueued } = manualPool({
      maxRecipients: 1,
      maxAgeMs: 10_000,
      make: (recipient) => {
        const key = ephemeralBoxKey(recipient);
        made.push({ recipient: hex(recipient), sharedKey: key.sharedKey });
        return key;
      },
    });
    const zeroed = (recipient: Uint8Array): number =>
      made.filter((m) => m.recipient === hex(recipient) && m.sharedKey.every((x) => x === 0))
        .length;

    pool.take(a.publicKey);
    pool.take(a.publicKey);
    runQueued();
    expect([pool.waiting, zeroed(a.publicKey)]).to.deep.equal([2, 0]);
    pool.take(b.publicKey); // a is dropped: one recipient kept
    expect(zeroed(a.publicKey)).to.equal(2);
    pool.take(b.publicKey);
    runQueued();
    clock.now += 10_001;
    const late = pool.take(b.publicKey); // b's two keys are too old: wiped, this one made now
    expect(zeroed(b.publicKey)).to.equal(2);
    expect(hex(boxBeforenm(late.publicKey, b.secretKey))).to.equal(hex(late.sharedKey));
    pool.take(b.publicKey);
    runQueued();
    pool.clear();
    expect(pool.waiting).to.equal(0);
    expect(zeroed(b.publicKey)).to.equal(4);
  });

  it("refuses a low-order provider key every time and makes nothing for it", () => {
    const { pool, runQueued } = manualPool();
    const lowOrder = new Uint8Array(32); // the all-zero point
    for (let i = 0; i < 3; i++) {
      expect(() => pool.take(lowOrder))
        .to.throw(CryptoError)
        .with.property("code", "bad_key");
      runQueued();
      expect(pool.waiting).to.equal(0);
    }
  });

  it("makes its keys on later turns of the event loop by default, also while the loop is idle", async () => {
    const provider = generateKeyPair();
    const pool = new EphemeralBoxKeys();
    pool.take(provider.publicKey);
    pool.take(provider.publicKey);
    expect(pool.waiting).to.equal(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pool.waiting).to.equal(2);
    pool.clear();
  });
});
