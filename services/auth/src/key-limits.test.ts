import { expect } from "chai";
import { listApiKeys } from "./api-keys.js";
import { admitKeyRequest, type Admission } from "./key-limits.js";
import { settleKeyReservation } from "./key-limits-reservations.js";
import { createAccount, createApiKey } from "./service.js";
import { replicaPools } from "./testing/replica-pools.js";

describe("per-key limits (Postgres-backed, shared by replicas)", () => {
  const pools = replicaPools();

  const keyWith = async (limits: Parameters<typeof createApiKey>[4]): Promise<string> => {
    const [pool] = pools();
    const account = await createAccount(pool, "limited", "consumer");
    return (await createApiKey(pool, account.id, "k", [], limits)).id;
  };

  it("admits exactly the RPM limit across two replicas racing, then answers rate_limited with Retry-After", async () => {
    const keyId = await keyWith({
      rpmLimit: 7,
      tpmLimit: null,
      budgetMicroUsd: null,
      budgetPeriod: "month",
    });
    const [a, b] = pools();
    const results: Admission[] = await Promise.all(
      Array.from({ length: 30 }, (_, i) => admitKeyRequest(i % 2 === 0 ? a : b, keyId)),
    );
    const admitted = results.filter((r) => r.kind === "admitted").length;
    // A sliding window under the key's row lock: exactly the limit, whatever the second.
    expect(admitted).to.equal(7);
    const refused = results.find((r) => r.kind === "rate_limited");
    expect(refused).to.include({ kind: "rate_limited", limit: "rpm" });
    if (refused?.kind === "rate_limited") expect(refused.retryAfterSeconds).to.be.within(1, 60);
  });

  it("refuses by TPM once the window's recorded tokens reach the limit", async () => {
    const keyId = await keyWith({
      rpmLimit: null,
      tpmLimit: 100n,
      budgetMicroUsd: null,
      budgetPeriod: "month",
    });
    const [a, b] = pools();
    expect(await admitKeyRequest(a, keyId)).to.deep.equal({ kind: "admitted" });
    await settleKeyReservation(b, keyId, "finished-1", { tokens: 100n, costMicroUsd: 0n });
    expect(await admitKeyRequest(a, keyId)).to.include({ kind: "rate_limited", limit: "tpm" });
  });

  it("refuses by budget once the period's spend reaches it, whichever replica recorded it", async () => {
    const keyId = await keyWith({
      rpmLimit: null,
      tpmLimit: null,
      budgetMicroUsd: 1_000n,
      budgetPeriod: "day",
    });
    const [a, b] = pools();
    await settleKeyReservation(a, keyId, "finished-2", { tokens: 10n, costMicroUsd: 600n });
    expect(await admitKeyRequest(b, keyId)).to.deep.equal({ kind: "admitted" });
    await settleKeyReservation(b, keyId, "finished-3", { tokens: 10n, costMicroUsd: 400n });
    expect(await admitKeyRequest(a, keyId)).to.deep.equal({
      kind: "budget_exceeded",
      spentMicroUsd: 1_000n,
      budgetMicroUsd: 1_000n,
    });
  });

  it("has no limits for keys without them and for session principals", async () => {
    const keyId = await keyWith(undefined);
    const [a] = pools();
    for (let i = 0; i < 5; i++)
      expect(await admitKeyRequest(a, keyId)).to.deep.equal({ kind: "admitted" });
    expect(await admitKeyRequest(a, "session:abc")).to.deep.equal({ kind: "admitted" });
  });

  it("lists an account's keys with their limits and never their secret", async () => {
    const [pool] = pools();
    const account = await createAccount(pool, "lister", "consumer");
    const created = await createApiKey(pool, account.id, "ci", ["inference"], {
      rpmLimit: 60,
      tpmLimit: null,
      budgetMicroUsd: 5n,
      budgetPeriod: "week",
    });
    const keys = await listApiKeys(pool, account.id);
    expect(keys).to.have.length(1);
    expect(keys[0]).to.include({
      id: created.id,
      name: "ci",
      prefix: created.prefix,
      lastUsedAtMs: null,
      revokedAtMs: null,
    });
    expect(keys[0]?.limits).to.deep.equal({
      rpmLimit: 60,
      tpmLimit: null,
      budgetMicroUsd: 5n,
      budgetPeriod: "week",
    });
    expect(
      JSON.stringify(keys, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)),
    ).to.not.include(created.key);
  });
});
