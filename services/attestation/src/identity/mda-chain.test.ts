import { X509Certificate } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { expect } from "chai";
import {
  createMdaLeaf,
  createTestIntermediate,
  createTestRoot,
  type TestCa,
} from "../testing/test-ca.js";
import { verifyMdaChain } from "./mda-chain.js";

describe("verifyMdaChain", () => {
  let root: TestCa;
  let intermediate: TestCa;
  let roots: X509Certificate[];
  const identity = p256.getPublicKey(p256.utils.randomSecretKey(), true);
  const device = { udid: "00008103-000A1B2C3D4E5F60", serialNumber: "C02XYZ" };

  before(async () => {
    root = await createTestRoot();
    intermediate = await createTestIntermediate(root, "Test Attestation Sub CA");
    roots = [new X509Certificate(root.certificatePem)];
  });

  it("accepts a chain to the configured root binding the identity key, and reads the UDID", async () => {
    const leaf = await createMdaLeaf(intermediate, identity, device);
    const result = verifyMdaChain(leaf + intermediate.certificatePem, roots, identity, new Date());
    expect(result).to.deep.equal({ ok: true, ...device });
  });

  it("refuses a chain from another root", async () => {
    const otherRoot = await createTestRoot("Impostor Root");
    const other = await createTestIntermediate(otherRoot, "Test Attestation Sub CA");
    const leaf = await createMdaLeaf(other, identity, device);
    const result = verifyMdaChain(leaf + other.certificatePem, roots, identity, new Date());
    expect(result.ok).to.equal(false);
  });

  it("refuses a leaf certifying another key than the identity key", async () => {
    const otherKey = p256.getPublicKey(p256.utils.randomSecretKey(), true);
    const leaf = await createMdaLeaf(intermediate, otherKey, device);
    const result = verifyMdaChain(leaf + intermediate.certificatePem, roots, identity, new Date());
    expect(result).to.deep.include({
      ok: false,
      message: "MDA leaf key is not the provider's identity key",
    });
  });

  it("refuses a freshness code for another nonce", async () => {
    const leaf = await createMdaLeaf(intermediate, identity, {
      ...device,
      nonce: new Uint8Array(32),
    });
    const result = verifyMdaChain(leaf + intermediate.certificatePem, roots, identity, new Date());
    expect(result).to.deep.include({ ok: false });
    expect(result.ok ? "" : result.message).to.match(/freshness/);
  });

  it("refuses an expired chain and garbage", async () => {
    const leaf = await createMdaLeaf(intermediate, identity, device);
    const later = new Date(Date.now() + 10 * 86_400_000);
    expect(verifyMdaChain(leaf + intermediate.certificatePem, roots, identity, later).ok).to.equal(
      false,
    );
    expect(verifyMdaChain("not pem", roots, identity, new Date()).ok).to.equal(false);
  });
});
