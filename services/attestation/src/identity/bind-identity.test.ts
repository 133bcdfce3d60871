import { create } from "@bufbuild/protobuf";
import { generateKeyPair, identityRotationPayload, keyFingerprint } from "@darkbloom/crypto";
import { RegisterSchema } from "@darkbloom/proto";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { p256 } from "@noble/curves/nist.js";
import { expect } from "chai";
import { attestationMigrations } from "../attestation-migrations.js";
import { bindIdentity } from "./bind-identity.js";
import { createIdentityStore, type IdentityStore } from "./identity-store.js";

const identity = () => {
  const secret = p256.utils.randomSecretKey();
  return { secret, publicKey: p256.getPublicKey(secret, true) };
};

describe("identity binding (Postgres)", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let store: IdentityStore;
  before(async () => {
    db = await startTestDatabase({ migrations: [attestationMigrations] });
    store = createIdentityStore(db.pool);
  });
  after(() => db.stop());

  const provider = () => {
    const keys = generateKeyPair();
    return { keys, id: keyFingerprint(keys.publicKey) };
  };
  const register = (
    encryptionPublicKey: Uint8Array,
    identityPublicKey = new Uint8Array(),
    identityRotationSignature = new Uint8Array(),
  ) =>
    create(RegisterSchema, { encryptionPublicKey, identityPublicKey, identityRotationSignature });

  describe("store", () => {
    it("binds the first identity seen and keeps it (first seen wins)", async () => {
      const { id } = provider();
      const [a, b] = [identity(), identity()];
      expect(await store.bind(id, a.publicKey)).to.deep.equal({ kind: "bound" });
      expect(await store.bind(id, a.publicKey)).to.deep.equal({ kind: "same" });
      const other = await store.bind(id, b.publicKey);
      expect(other.kind).to.equal("other");
      expect(await store.boundKey(id)).to.deep.equal(a.publicKey);
    });

    it("binds exactly one of two concurrent first registrations", async () => {
      const { id } = provider();
      const results = await Promise.all(
        [identity(), identity()].map((k) => store.bind(id, k.publicKey)),
      );
      expect(results.map((r) => r.kind).sort()).to.deep.equal(["bound", "other"]);
    });

    it("rotates only from the key it is bound to, and forgets a binding on reset", async () => {
      const { id } = provider();
      const [a, b, c] = [identity(), identity(), identity()];
      await store.bind(id, a.publicKey);
      expect(await store.rotate(id, c.publicKey, b.publicKey)).to.equal(false);
      expect(await store.rotate(id, a.publicKey, b.publicKey)).to.equal(true);
      expect(await store.boundKey(id)).to.deep.equal(b.publicKey);
      expect(await store.reset(id)).to.equal(true);
      expect(await store.reset(id)).to.equal(false);
      expect(await store.boundKey(id)).to.equal(null);
    });
  });

  describe("bindIdentity", () => {
    it("admits the bound identity and refuses another one (identity_mismatch)", async () => {
      const { keys, id } = provider();
      const [owner, thief] = [identity(), identity()];
      expect(
        await bindIdentity(store, id, register(keys.publicKey, owner.publicKey)),
      ).to.deep.equal({
        ok: true,
      });
      expect(
        await bindIdentity(store, id, register(keys.publicKey, owner.publicKey)),
      ).to.deep.equal({
        ok: true,
      });
      const refused = await bindIdentity(store, id, register(keys.publicKey, thief.publicKey));
      expect(refused).to.include({ ok: false, code: "identity_mismatch" });
      expect(await store.boundKey(id)).to.deep.equal(owner.publicKey);
    });

    it("refuses a bound id registering without an identity; admits a never-bound unattested one", async () => {
      const bound = provider();
      await bindIdentity(store, bound.id, register(bound.keys.publicKey, identity().publicKey));
      const stripped = await bindIdentity(store, bound.id, register(bound.keys.publicKey));
      expect(stripped).to.include({ ok: false, code: "identity_mismatch" });
      const plain = provider();
      expect(await bindIdentity(store, plain.id, register(plain.keys.publicKey))).to.deep.equal({
        ok: true,
      });
      expect(await store.boundKey(plain.id)).to.equal(null);
    });

    it("treats the compressed and uncompressed forms of one identity key as the same identity", async () => {
      const { keys, id } = provider();
      const owner = identity();
      await bindIdentity(
        store,
        id,
        register(keys.publicKey, p256.getPublicKey(owner.secret, false)),
      );
      expect(
        await bindIdentity(store, id, register(keys.publicKey, owner.publicKey)),
      ).to.deep.equal({
        ok: true,
      });
    });

    it("moves the id to a new identity signed by the bound one, and not with a forged signature", async () => {
      const { keys, id } = provider();
      const [old, next, thief] = [identity(), identity(), identity()];
      await bindIdentity(store, id, register(keys.publicKey, old.publicKey));
      const payload = identityRotationPayload(keys.publicKey, next.publicKey);
      const forged = p256.sign(payload, thief.secret, { format: "der" });
      const refused = await bindIdentity(
        store,
        id,
        register(keys.publicKey, next.publicKey, forged),
      );
      expect(refused).to.include({ ok: false, code: "identity_mismatch" });
      const signed = p256.sign(payload, old.secret, { format: "der" });
      expect(
        await bindIdentity(store, id, register(keys.publicKey, next.publicKey, signed)),
      ).to.deep.equal({ ok: true });
      expect(await store.boundKey(id)).to.deep.equal(next.publicKey);
      // the old identity no longer registers the id
      const back = await bindIdentity(store, id, register(keys.publicKey, old.publicKey));
      expect(back).to.include({ ok: false, code: "identity_mismatch" });
    });
  });
});
