import {
  canonicalJson,
  challengePayload,
  keyProofPayload,
  registerPayload,
  toBase64,
  type KeyPair,
} from "@darkbloom/crypto";
import { FakeProvider } from "@darkbloom/testing";
import { p256 } from "@noble/curves/nist.js";

export interface ImpostorOptions {
  /** The coordinator's provider WebSocket URL. */
  url: string;
  models: string[];
  /**
   * The X25519 key pair it announces: a victim's public key with a secret key of its own (it has
   * only the public key), or the victim's whole pair (it stole the secret key).
   */
  encryptionKeys: KeyPair;
  /** Its P-256 identity secret (default: a fresh one — its own identity, not the victim's). */
  identitySecret?: Uint8Array;
}

/**
 * A provider that announces someone else's X25519 key and signs its registration and every
 * challenge answer with a P-256 identity, honestly: on a coordinator that does not check key
 * possession and identity binding it registers as the victim's provider id. Real protobuf frames
 * over a real WebSocket (FakeProvider), real signatures.
 */
export function fakeImpostor(options: ImpostorOptions): FakeProvider {
  const identitySecret = options.identitySecret ?? p256.utils.randomSecretKey();
  const statusJson = (keys: KeyPair): Uint8Array =>
    new TextEncoder().encode(
      canonicalJson({
        v: 1,
        version: "0.0.0-fake",
        binaryHash: "ab".repeat(32),
        encryptionPublicKey: toBase64(keys.publicKey),
        keySource: "software",
        models: options.models.map((id) => ({ id, weightHash: "cd".repeat(32) })),
        security: { platform: "linux", inspectorAttached: false, sip: "unknown" },
        deviceId: "",
      }),
    );
  const sign = (payload: Uint8Array): Uint8Array =>
    p256.sign(payload, identitySecret, { format: "der" });
  return new FakeProvider({
    url: options.url,
    models: options.models,
    encryptionKeys: options.encryptionKeys,
    registerFields: (keys) => ({
      identityPublicKey: p256.getPublicKey(identitySecret, true),
      statusJson: statusJson(keys),
      identitySignature: sign(registerPayload(statusJson(keys))),
      binaryHash: "ab".repeat(32),
    }),
    signKeyProof: (secret, keys) => sign(keyProofPayload(secret, keys.publicKey)),
    onFrame: (frame, provider) => {
      if (frame.kind.case !== "attestationChallenge") return;
      const { nonce, timestampMs } = frame.kind.value;
      const status = statusJson(provider.keys);
      provider.send({
        case: "attestationResponse",
        value: {
          nonce,
          timestampMs,
          statusJson: status,
          signature: sign(challengePayload(nonce, timestampMs, status)),
        },
      });
    },
  });
}
