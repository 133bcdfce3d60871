import { generateKeyPair, toBase64 } from "@darkbloom/crypto";
import { expect } from "chai";
import { refusalCode } from "../testing/refusal-code.js";
import { TestIdentity } from "../testing/signed-evidence.js";
import { MemoryIdentityPins, identityFingerprint } from "./identity-pins.js";
import { verifyCandidates, type VerificationPolicy } from "./verify-candidates.js";

const refusal = refusalCode;

describe("verifyCandidates", () => {
  const honest = new TestIdentity();
  const key = generateKeyPair().publicKey;
  const policy: VerificationPolicy = {
    maxEvidenceAgeMs: 900_000,
    maxClockSkewMs: 60_000,
    attestationRoots: [],
    allowUnattested: false,
    allowedIdentities: new Set(),
    pins: undefined,
  };
  const verify = (
    keys = [honest.candidate({ publicKey: key })],
    p: Partial<VerificationPolicy> = {},
    minTrust?: "hardware_mda" | "hardware",
  ) => verifyCandidates(keys, minTrust, { ...policy, ...p }, Date.now());

  it("keeps the candidates whose evidence holds and drops the others", async () => {
    const swapped = {
      ...honest.candidate({ providerId: "p2", publicKey: key }),
      public_key: toBase64(generateKeyPair().publicKey),
    };
    const kept = await verify([swapped, honest.candidate({ publicKey: key })]);
    expect(kept.map((c) => c.key.provider_id)).to.deep.equal(["p1"]);
  });

  it("refuses with the candidate's own reason when no key can be verified", async () => {
    const swapped = {
      ...honest.candidate({ publicKey: key }),
      public_key: toBase64(generateKeyPair().publicKey),
    };
    expect(await refusal(verify([swapped]))).to.equal("attestation_key_mismatch");
  });

  it("refuses min_trust hardware_mda when the caller configured no MDA roots", async () => {
    expect(await refusal(verify(undefined, {}, "hardware_mda"))).to.equal(
      "attestation_roots_required",
    );
  });

  it("refuses a provider whose evidence is below the requested minimum", async () => {
    expect(await refusal(verify(undefined, {}, "hardware"))).to.equal(
      "attestation_trust_below_minimum",
    );
  });

  it("accepts only pinned identities when pins are configured", async () => {
    const pinned = new Set([identityFingerprint(honest.publicKey)]);
    expect(await refusal(verify(undefined, { allowedIdentities: pinned }))).to.equal("accepted");
    const stranger = new TestIdentity().candidate({ publicKey: key });
    expect(await refusal(verify([stranger], { allowedIdentities: pinned }))).to.equal(
      "identity_not_pinned",
    );
  });

  it("pins each provider's identity on first use and refuses a changed one", async () => {
    const pins = new MemoryIdentityPins();
    expect(await refusal(verify(undefined, { pins }))).to.equal("accepted");
    expect(await refusal(verify(undefined, { pins }))).to.equal("accepted");
    const impostor = new TestIdentity().candidate({ publicKey: key });
    expect(await refusal(verify([impostor], { pins }))).to.equal("identity_changed");
  });

  it("answers model_not_found when no key is offered", async () => {
    expect(await refusal(verify([]))).to.equal("model_not_found");
  });
});
