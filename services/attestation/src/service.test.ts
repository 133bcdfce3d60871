import { createClient, createRouterTransport } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { AttestationEvidenceSchema, AttestationService, TrustLevel } from "@darkbloom/proto";
import { expect } from "chai";
import type { ProviderRecord } from "./provider-directory.js";
import { createAttestationService } from "./service.js";

const record = (providerId: string, trustLevel: TrustLevel, routable = true): ProviderRecord => ({
  providerId,
  encryptionPublicKey: new Uint8Array(32).fill(providerId.charCodeAt(0)),
  trustLevel,
  routable,
  reason: routable ? "" : "attestation stale",
  lastAttestedAtMs: 1000,
  models: ["tiny"],
});

describe("AttestationService", () => {
  const records = [
    record("a", TrustLevel.SOFTWARE),
    record("b", TrustLevel.HARDWARE),
    record("c", TrustLevel.HARDWARE, false),
  ];
  const directory = {
    list: () => records,
    get: (id: string) => records.find((r) => r.providerId === id),
  };
  const bound = new Set(["a"]);
  const client = createClient(
    AttestationService,
    createRouterTransport(({ service }) =>
      service(
        AttestationService,
        createAttestationService(
          directory,
          undefined,
          {
            evidenceOf: (id) =>
              id === "b"
                ? create(AttestationEvidenceSchema, { signature: new Uint8Array([1]) })
                : undefined,
          },
          { reset: (id) => Promise.resolve(bound.delete(id)) },
        ),
      ),
    ),
  );

  it("hands out each key with the provider's signed evidence when there is one", async () => {
    const { keys } = await client.getProviderKeys({ model: "tiny", minTrust: TrustLevel.NONE });
    expect(keys.map((k) => [k.providerId, k.evidence?.signature.length ?? 0])).to.deep.equal([
      ["a", 0],
      ["b", 1],
    ]);
  });

  it("offers only routable keys of providers at or above the requested trust", async () => {
    const { keys } = await client.getProviderKeys({ model: "tiny", minTrust: TrustLevel.HARDWARE });
    expect(keys.map((k) => k.providerId)).to.deep.equal(["b"]);
    expect(keys[0]?.keyFingerprint).to.match(/^[0-9a-f]{32}$/);
  });

  it("reports why a provider is fenced", async () => {
    const trust = await client.getTrust({ providerId: "c" });
    expect(trust.routable).to.equal(false);
    expect(trust.reason).to.equal("attestation stale");
  });

  it("answers NotFound for an unknown provider", async () => {
    await client.getTrust({ providerId: "zzz" }).then(
      () => expect.fail("expected an error"),
      (err: Error) => expect(err.message).to.match(/not connected/),
    );
  });

  it("resets a provider id's identity binding (and says whether there was one)", async () => {
    expect(await client.resetProviderIdentity({ providerId: "a" })).to.include({ wasBound: true });
    expect(await client.resetProviderIdentity({ providerId: "a" })).to.include({ wasBound: false });
    await client.resetProviderIdentity({ providerId: "" }).then(
      () => expect.fail("expected an error"),
      (err: Error) => expect(err.message).to.match(/provider_id is required/),
    );
  });
});
