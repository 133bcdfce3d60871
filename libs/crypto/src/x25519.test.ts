import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PUBLIC_KEY_CACHE_ENTRIES, x25519, x25519Noble } from "./x25519.js";
import { boxBeforenm, ephemeralBoxKey, ephemeralBoxKeys } from "./box-key.js";
import { openWithSharedKey, sealWithSharedKey } from "./secret-box.js";
import { CryptoError } from "./crypto-error.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));

describe("x25519 backends", () => {
  it("the native backend is in use under Node", () => {
    expect(x25519).to.not.equal(x25519Noble);
  });

  it("matches RFC 7748 §6.1 (Alice and Bob) on both backends", () => {
    const aliceSk = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    const alicePk = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    const bobSk = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    const bobPk = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    for (const b of [x25519, x25519Noble]) {
      expect(Buffer.from(b.getPublicKey(aliceSk)).toString("hex")).to.equal(alicePk);
      expect(Buffer.from(b.getPublicKey(bobSk)).toString("hex")).to.equal(bobPk);
      expect(Buffer.from(b.getSharedSecret(aliceSk, hex(bobPk))).toString("hex")).to.equal(shared);
    }
  });

  it("agrees with noble on random keys, unclamped scalars included", () => {
    for (let i = 0; i < 20; i++) {
      const a = x25519.randomSecretKey();
      const b = x25519Noble.randomSecretKey();
      a[0] = 0xff;
      a[31] = 0xff;
      expect(x25519.getPublicKey(a)).to.deep.equal(x25519Noble.getPublicKey(a));
      const pk = x25519Noble.getPublicKey(b);
      expect(x25519.getSharedSecret(a, pk)).to.deep.equal(x25519Noble.getSharedSecret(a, pk));
    }
  });

  it("refuses a low-order public key with bad_key", () => {
    const sk = x25519.randomSecretKey();
    expect(() => boxBeforenm(new Uint8Array(32), sk))
      .to.throw(CryptoError)
      .with.property("code", "bad_key");
  });

  it("ephemeral shared secrets agree with noble on both backends", () => {
    const peer = x25519Noble.randomSecretKey();
    const peerPk = x25519Noble.getPublicKey(peer);
    for (const b of [x25519, x25519Noble]) {
      for (let i = 0; i < 5; i++) {
        const eph = b.ephemeralSharedSecrets([peerPk]);
        // what the peer derives from the ephemeral public key is the sender's secret
        expect(eph.shared).to.deep.equal([x25519Noble.getSharedSecret(peer, eph.publicKey)]);
      }
    }
    const a = x25519.ephemeralSharedSecrets([peerPk]);
    const b = x25519.ephemeralSharedSecrets([peerPk]);
    expect(a.publicKey).to.not.deep.equal(b.publicKey);
  });

  it("a cached peer key is never used for a different peer key", () => {
    const sk = x25519.randomSecretKey();
    const peers = Array.from({ length: 8 }, () => x25519Noble.randomSecretKey());
    // each peer twice, interleaved: every use after the first is a cache hit
    for (let round = 0; round < 2; round++) {
      for (const p of peers) {
        const pk = x25519Noble.getPublicKey(p);
        expect(x25519.getSharedSecret(sk, pk)).to.deep.equal(x25519Noble.getSharedSecret(sk, pk));
        const eph = x25519.ephemeralSharedSecrets([pk]);
        expect(eph.shared).to.deep.equal([x25519Noble.getSharedSecret(p, eph.publicKey)]);
      }
    }
    // keys differing in one bit (the last byte's top bit, which X25519 ignores, included)
    const base = x25519Noble.getPublicKey(peers[0] as Uint8Array);
    const flipped = base.slice();
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(x25519.getSharedSecret(sk, flipped)).to.deep.equal(
      x25519Noble.getSharedSecret(sk, flipped),
    );
    expect(x25519.getSharedSecret(sk, base)).to.deep.equal(x25519Noble.getSharedSecret(sk, base));
  });

  it("stays correct past the cache bound (old keys are imported again)", () => {
    const sk = x25519.randomSecretKey();
    const first = x25519Noble.getPublicKey(x25519Noble.randomSecretKey());
    const expected = x25519Noble.getSharedSecret(sk, first);
    expect(x25519.getSharedSecret(sk, first)).to.deep.equal(expected);
    for (let i = 0; i <= PUBLIC_KEY_CACHE_ENTRIES; i++) {
      const pk = new Uint8Array(32);
      pk[0] = 9;
      pk[1] = i & 0xff;
      pk[2] = i >> 8;
      x25519.getSharedSecret(sk, pk);
    }
    expect(x25519.getSharedSecret(sk, first)).to.deep.equal(expected);
  });

  it("a secret key overwritten in place with another key agrees as the new key", () => {
    const peer = x25519Noble.getPublicKey(x25519Noble.randomSecretKey());
    const sk = x25519.randomSecretKey();
    const first = sk.slice();
    expect(x25519.getSharedSecret(sk, peer)).to.deep.equal(
      x25519Noble.getSharedSecret(first, peer),
    );
    // the same array, now holding another key (one bit, then all of it)
    sk[5] = (sk[5] ?? 0) ^ 0x10;
    expect(x25519.getSharedSecret(sk, peer)).to.deep.equal(x25519Noble.getSharedSecret(sk, peer));
    sk.set(x25519.randomSecretKey());
    expect(x25519.getSharedSecret(sk, peer)).to.deep.equal(x25519Noble.getSharedSecret(sk, peer));
    // a copy of the first key, in another array, still agrees as the first
    expect(x25519.getSharedSecret(first, peer)).to.deep.equal(
      x25519Noble.getSharedSecret(first, peer),
    );
  });

  it("ephemeralBoxKey gives the key boxBeforenm derives on the other side", () => {
    const recipient = x25519Noble.randomSecretKey();
    const eph = ephemeralBoxKey(x25519Noble.getPublicKey(recipient));
    expect(eph.sharedKey).to.deep.equal(boxBeforenm(eph.publicKey, recipient));
    expect(() => ephemeralBoxKey(new Uint8Array(32)))
      .to.throw(CryptoError)
      .with.property("code", "bad_key");
  });

  it("one ephemeral key pair serves several recipients, each with its own shared secret", () => {
    const peers = Array.from({ length: 3 }, () => x25519Noble.randomSecretKey());
    const peerPks = peers.map((p) => x25519Noble.getPublicKey(p));
    for (const b of [x25519, x25519Noble]) {
      const eph = b.ephemeralSharedSecrets(peerPks);
      expect(eph.shared).to.have.length(3);
      peers.forEach((p, i) =>
        expect(eph.shared[i]).to.deep.equal(x25519Noble.getSharedSecret(p, eph.publicKey)),
      );
      expect(new Set(eph.shared.map((s) => Buffer.from(s).toString("hex")))).to.have.length(3);
    }
  });

  it("ephemeralBoxKeys: a body sealed to each candidate opens only at that candidate", () => {
    const recipients = Array.from({ length: 3 }, () => x25519Noble.randomSecretKey());
    const eph = ephemeralBoxKeys(recipients.map((r) => x25519Noble.getPublicKey(r)));
    const body = new TextEncoder().encode("the same prompt for every candidate");
    const sealed = eph.sharedKeys.map((k) => sealWithSharedKey(k, body));
    recipients.forEach((r, i) => {
      // what the provider does: boxBeforenm(sender public key, its own secret key), then open
      const theirs = boxBeforenm(eph.publicKey, r);
      expect(openWithSharedKey(theirs, sealed[i] as Uint8Array)).to.deep.equal(body);
      for (const [j, other] of sealed.entries())
        if (j !== i)
          expect(() => openWithSharedKey(theirs, other))
            .to.throw(CryptoError)
            .with.property("code", "authentication_failed");
    });
  });

  it("ephemeralBoxKeys refuses the lot when any recipient key is low-order", () => {
    const good = x25519Noble.getPublicKey(x25519Noble.randomSecretKey());
    expect(() => ephemeralBoxKeys([good, new Uint8Array(32)]))
      .to.throw(CryptoError)
      .with.property("code", "bad_key");
  });
});

describe("x25519 native ephemeral keys under GC churn", function () {
  // Bounds a run that froze (the old code deadlocked within ~5,000 rounds, 3 runs of 3); a
  // healthy run takes ~8 s of CPU.
  this.timeout(120_000);
  let child: ChildProcess | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
  });

  it("20,000 ephemeral key pairs while the heap churns never freeze the process", async () => {
    const script = fileURLToPath(new URL("./testing/ephemeral-key-churn.ts", import.meta.url));
    child = spawn(process.execPath, ["--max-semi-space-size=1", "--import", "tsx", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (output += b.toString()));
    const code = await new Promise<number | null>((resolve) => child!.once("exit", resolve));
    expect(code, output).to.equal(0);
    expect(output).to.include("churn done");
  });
});
