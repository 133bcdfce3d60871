import { generateKeyPair, toBase64 } from "@darkbloom/crypto";
import { expect } from "chai";
import type { Certificate } from "pkijs";
import { refusalCode } from "../testing/refusal-code.js";
import { TestIdentity } from "../testing/signed-evidence.js";
import { createMdaLeaf, createTestCa, type TestCa } from "../testing/test-mda-ca.js";
import { verifyEvidence, type EvidencePolicy } from "./verify-evidence.js";
import { certificatesOf } from "./verify-mda-chain.js";
import type { AttestedKey } from "./wire-evidence.js";

const MINUTE_MS = 60_000;

const refusal = refusalCode;

describe("verifyEvidence", () => {
  const identity = new TestIdentity();
  const key = generateKeyPair().publicKey;
  // per test: candidates are signed at the test's own Date.now(), which is the later the longer
  // the suites before this one ran (a time taken when the file loaded drifted past the allowed skew)
  let now = Date.now();
  beforeEach(() => {
    now = Date.now();
  });
  const policy: EvidencePolicy = {
    maxEvidenceAgeMs: 15 * MINUTE_MS,
    maxClockSkewMs: MINUTE_MS,
    attestationRoots: [],
    allowUnattested: false,
  };
  const verify = (k: AttestedKey, p: Partial<EvidencePolicy> = {}) =>
    verifyEvidence(k, { ...policy, ...p }, now);

  it("accepts a key vouched for by a fresh signature of the provider's identity", async () => {
    const v = await verify(identity.candidate({ publicKey: key, signedAtMs: now - 5 * MINUTE_MS }));
    expect(v).to.include({ providerId: "p1", publicKey: toBase64(key), verifiedTrust: "software" });
    expect(v.identityFingerprint).to.match(/^[0-9a-f]{32}$/);
  });

  it("refuses evidence whose signature does not verify (signed by another identity)", async () => {
    const good = identity.candidate({ publicKey: key });
    const forged = new TestIdentity().candidate({ publicKey: key });
    const k = {
      ...good,
      evidence: { ...forged.evidence!, identity_public_key: good.evidence!.identity_public_key },
    };
    expect(await refusal(verify(k))).to.equal("attestation_signature_invalid");
  });

  it("refuses evidence whose signed timestamp was altered", async () => {
    const k = identity.candidate({ publicKey: key });
    const moved = {
      ...k,
      evidence: { ...k.evidence!, timestamp_ms: k.evidence!.timestamp_ms + 1 },
    };
    expect(await refusal(verify(moved))).to.equal("attestation_signature_invalid");
  });

  it("refuses a swapped key: the offered key is not the one the provider signed", async () => {
    const attacker = generateKeyPair().publicKey;
    const swapped = { ...identity.candidate({ publicKey: key }), public_key: toBase64(attacker) };
    expect(await refusal(verify(swapped))).to.equal("attestation_key_mismatch");
  });

  it("refuses stale evidence and evidence signed in the future", async () => {
    const stale = identity.candidate({ publicKey: key, signedAtMs: now - 16 * MINUTE_MS });
    expect(await refusal(verify(stale))).to.equal("attestation_evidence_stale");
    expect(await refusal(verify(stale, { maxEvidenceAgeMs: 20 * MINUTE_MS }))).to.equal("accepted");
    const future = identity.candidate({ publicKey: key, signedAtMs: now + 2 * MINUTE_MS });
    expect(await refusal(verify(future))).to.equal("attestation_evidence_stale");
  });

  it("refuses a claimed trust above what a software identity key supports", async () => {
    for (const trustLevel of ["hardware", "hardware_mda"]) {
      const k = identity.candidate({ publicKey: key, trustLevel });
      expect(await refusal(verify(k)), trustLevel).to.equal("attestation_trust_unsupported");
    }
  });

  it("refuses a key without evidence unless unattested providers are allowed", async () => {
    const { evidence: _dropped, ...bare } = identity.candidate({
      publicKey: key,
      trustLevel: "none",
    });
    expect(await refusal(verify(bare))).to.equal("attestation_evidence_missing");
    expect((await verify(bare, { allowUnattested: true })).verifiedTrust).to.equal("none");
    expect(
      await refusal(verify({ ...bare, trust_level: "software" }, { allowUnattested: true })),
    ).to.equal("attestation_evidence_missing");
  });

  describe("MDA chains", () => {
    let root: TestCa;
    let roots: Certificate[];
    let chain: string;
    const enclave = (mdaChainPem: string) =>
      identity.candidate({
        publicKey: key,
        keySource: "secure-enclave",
        trustLevel: "hardware_mda",
        mdaChainPem,
      });

    before(async () => {
      root = await createTestCa("Test MDA Root");
      const intermediate = await createTestCa("Test MDA Sub CA", root);
      chain = (await createMdaLeaf(intermediate, identity.publicKey)) + intermediate.certificatePem;
      roots = certificatesOf(root.certificatePem);
    });

    it("accepts hardware_mda when the chain verifies against the caller's roots", async () => {
      const v = await verify(enclave(chain), { attestationRoots: roots });
      expect(v.verifiedTrust).to.equal("hardware_mda");
    });

    it("refuses a chain that does not lead to the caller's roots", async () => {
      const other = certificatesOf((await createTestCa("Impostor Root")).certificatePem);
      expect(await refusal(verify(enclave(chain), { attestationRoots: other }))).to.equal(
        "attestation_chain_invalid",
      );
    });

    it("refuses a chain certifying another identity key", async () => {
      const intermediate = await createTestCa("Test MDA Sub CA 2", root);
      const leaf = await createMdaLeaf(intermediate, new TestIdentity().publicKey);
      const k = enclave(leaf + intermediate.certificatePem);
      expect(await refusal(verify(k, { attestationRoots: roots }))).to.equal(
        "attestation_chain_invalid",
      );
    });

    it("without roots counts a hardware_mda claim only as hardware", async () => {
      expect((await verify(enclave(chain))).verifiedTrust).to.equal("hardware");
    });

    it("refuses hardware_mda claimed for an enclave key with no chain at all", async () => {
      expect(await refusal(verify(enclave(""), { attestationRoots: roots }))).to.equal(
        "attestation_trust_unsupported",
      );
    });
  });
});
