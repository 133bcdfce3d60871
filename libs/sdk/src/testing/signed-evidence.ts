import { randomBytes } from "node:crypto";
import { canonicalJson, challengePayload, keyFingerprint, toBase64 } from "@darkbloom/crypto";
import { p256 } from "@noble/curves/nist.js";
import type { AttestedKey } from "../evidence/wire-evidence.js";

/** A provider identity for tests: signs real challenge answers with a P-256 key. */
export class TestIdentity {
  readonly secret = p256.utils.randomSecretKey();
  readonly publicKey = p256.getPublicKey(this.secret, true);

  /**
   * A candidate key as the coordinator would serve it, with evidence signed by this identity over
   * a status vouching for `vouchedKey` (default: the offered key).
   */
  candidate(opts: {
    providerId?: string;
    publicKey: Uint8Array;
    vouchedKey?: Uint8Array;
    trustLevel?: string;
    keySource?: "software" | "secure-enclave";
    signedAtMs?: number;
    mdaChainPem?: string;
  }): AttestedKey {
    const status = new TextEncoder().encode(
      canonicalJson({
        v: 1,
        version: "1.0.0",
        binaryHash: "ab".repeat(32),
        encryptionPublicKey: toBase64(opts.vouchedKey ?? opts.publicKey),
        keySource: opts.keySource ?? "software",
        models: [{ id: "m", weightHash: "cd".repeat(32) }],
        security: { platform: "linux", inspectorAttached: false, sip: "unknown" },
        deviceId: "",
      }),
    );
    const nonce = new Uint8Array(randomBytes(32));
    const timestampMs = opts.signedAtMs ?? Date.now();
    const payload = challengePayload(nonce, BigInt(timestampMs), status);
    return {
      provider_id: opts.providerId ?? "p1",
      public_key: toBase64(opts.publicKey),
      key_fingerprint: keyFingerprint(opts.publicKey),
      trust_level: opts.trustLevel ?? "software",
      evidence: {
        identity_public_key: toBase64(this.publicKey),
        status_json: toBase64(status),
        signature: toBase64(p256.sign(payload, this.secret, { format: "der" })),
        nonce: toBase64(nonce),
        timestamp_ms: timestampMs,
        mda_chain_pem: opts.mdaChainPem ?? "",
      },
    };
  }
}
