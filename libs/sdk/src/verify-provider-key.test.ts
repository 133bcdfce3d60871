import { generateKeyPair, keyFingerprint, toBase64 } from "@darkbloom/crypto";
import { expect } from "chai";
import { DarkbloomError } from "./sdk-error.js";
import type { AttestedKey } from "./evidence/wire-evidence.js";
import { verifyProviderKey } from "./verify-provider-key.js";

const attested = (providerId: string, publicKey: Uint8Array): AttestedKey => ({
  provider_id: providerId,
  public_key: toBase64(publicKey),
  key_fingerprint: keyFingerprint(publicKey),
  trust_level: "software",
});

describe("verifyProviderKey", () => {
  const good = generateKeyPair().publicKey;
  const other = generateKeyPair().publicKey;
  const reserved = (key: Uint8Array, fingerprint = keyFingerprint(key), providerId = "p1") => ({
    provider_id: providerId,
    provider_public_key: toBase64(key),
    key_fingerprint: fingerprint,
  });
  const refusal = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      if (err instanceof DarkbloomError) return err.code;
      throw err;
    }
    return "accepted";
  };

  it("accepts the reserved key when the same provider and key are attested", () => {
    expect([...verifyProviderKey(reserved(good), [attested("p1", good)])]).to.deep.equal([...good]);
  });

  it("refuses a key that is not in the attested list (a swapped key)", () => {
    expect(refusal(() => verifyProviderKey(reserved(other), [attested("p1", good)]))).to.equal(
      "provider_key_not_attested",
    );
  });

  it("refuses a fingerprint that does not match the key", () => {
    const lie = reserved(good, keyFingerprint(other));
    expect(refusal(() => verifyProviderKey(lie, [attested("p1", good)]))).to.equal(
      "provider_key_not_attested",
    );
  });

  it("refuses an attested key claimed by a different provider", () => {
    const claimed = reserved(good, keyFingerprint(good), "p2");
    expect(refusal(() => verifyProviderKey(claimed, [attested("p1", good)]))).to.equal(
      "provider_key_not_attested",
    );
  });
});
