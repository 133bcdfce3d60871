import { createHash } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { expect } from "chai";
import { canonicalJson } from "./canonical-json.js";
import { parseStatus } from "./provider-status.js";
import {
  challengePayload,
  isIdentityKey,
  registerPayload,
  verifyIdentitySignature,
} from "./signed-payloads.js";

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

// The same vector is pinned in provider/src/attestation/provider-attestor.test.ts.
describe("attestation payloads (coordinator side)", () => {
  it("match the provider's byte layout (shared vector)", () => {
    const status = new TextEncoder().encode(
      canonicalJson({ z: 1, a: { y: [true, null], b: "é" } }),
    );
    expect(sha(registerPayload(status))).to.equal(
      "32ba5bd390ae3a7eb010a3b8e63366459798ad557767f2eeec82d3049ea09cd7",
    );
    expect(sha(challengePayload(new Uint8Array(32).fill(7), 1700000000123n, status))).to.equal(
      "c1261277d39519eb409e59fecc7a2a2ef0f4a19fcc651d2358a8a218d15c21b9",
    );
  });

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
