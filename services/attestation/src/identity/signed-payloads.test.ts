import { p256 } from "@noble/curves/nist.js";
import { expect } from "chai";
import { canonicalJson, registerPayload } from "@darkbloom/crypto";
import { parseStatus } from "./provider-status.js";
import { isIdentityKey, verifyIdentitySignature } from "./signed-payloads.js";

// Byte layouts and canonical JSON are pinned in libs/crypto/src/attestation/attestation-payloads.test.ts.
describe("attestation payloads (coordinator side)", () => {
  it("verifies DER signatures of the identity key and nothing else", () => {
    const secret = p256.utils.randomSecretKey();
    const key = p256.getPublicKey(secret, true);
    const payload = registerPayload(new TextEncoder().encode("{}"));
    const sig = p256.sign(payload, secret, { format: "der" });
    expect(verifyIdentitySignature(key, payload, sig)).to.equal(true);
    expect(
      verifyIdentitySignature(key, registerPayload(new TextEncoder().encode("[]")), sig),
    ).to.equal(false);
    expect(verifyIdentitySignature(key, payload, new Uint8Array(8))).to.equal(false);
    expect(isIdentityKey(key)).to.equal(true);
    expect(isIdentityKey(new Uint8Array(33))).to.equal(false);
  });

  it("refuses a status that is not canonical JSON", () => {
    const status = {
      v: 1,
      version: "1.0.0",
      binaryHash: "ab".repeat(32),
      encryptionPublicKey: "k",
      keySource: "software",
      models: [],
      security: { platform: "linux", inspectorAttached: false, sip: "unknown" },
      deviceId: "",
    };
    expect(parseStatus(new TextEncoder().encode(canonicalJson(status))).ok).to.equal(true);
    const spaced = new TextEncoder().encode(JSON.stringify(status, null, 1));
    expect(parseStatus(spaced)).to.deep.include({
      ok: false,
      message: "status is not canonical JSON",
    });
  });
});
