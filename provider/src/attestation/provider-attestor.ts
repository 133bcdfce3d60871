import inspector from "node:inspector";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  canonicalJson,
  challengePayload,
  keyProofPayload,
  registerPayload,
  toBase64,
} from "@darkbloom/crypto";
import {
  AttestationResponseSchema,
  type AttestationChallenge,
  type AttestationResponse,
} from "@darkbloom/proto";
import { HashCache, hashModelWeights } from "../models/hash-weights.js";
import type { IdentityKeySource } from "./identity-key.js";

export interface AttestorOptions {
  identity: IdentityKeySource;
  encryptionPublicKey: Uint8Array;
  version: string;
  binaryHash: string;
  /** The models currently served, with their folders (weights are hashed on demand, cached). */
  models: () => ReadonlyArray<{ id: string; dir: string }>;
  homeDir: string;
  /** PEM MDA chain (leaf first) from `<home>/mda-chain.pem`; "" when the Mac has none. */
  mdaChainPem: string;
  /** Apple UDID when MDM-enrolled; "". */
  deviceId: string;
}

/** Fields of Register that prove the provider's identity. */
export interface RegistrationProof {
  identityPublicKey: Uint8Array;
  statusJson: Uint8Array;
  identitySignature: Uint8Array;
  attestation: Uint8Array;
  binaryHash: string;
}

/**
 * The provider side of attestation: builds the canonical status (version, binary hash, model
 * weight hashes, security flags, the X25519 key it vouches for), signs it for registration and
 * signs nonce ‖ timestamp ‖ status for each challenge.
 */
export class ProviderAttestor {
  private readonly cache: HashCache;
  private proof: RegistrationProof | undefined;
  private readonly weightHashes = new Map<string, string>();

  constructor(private readonly options: AttestorOptions) {
    this.cache = new HashCache(path.join(options.homeDir, "hash-cache.json"));
  }

  /** Hashes the current models and signs a fresh registration status; call before (re)connecting. */
  async prepareRegistration(): Promise<RegistrationProof> {
    const statusJson = await this.status();
    this.proof = {
      identityPublicKey: this.options.identity.publicKey,
      statusJson,
      identitySignature: await this.options.identity.sign(registerPayload(statusJson)),
      attestation: new TextEncoder().encode(this.options.mdaChainPem),
      binaryHash: this.options.binaryHash,
    };
    return this.proof;
  }

  /** The last prepared proof (Register is built synchronously on every reconnect). */
  registrationProof(): RegistrationProof | undefined {
    return this.proof;
  }

  /** The model's weight hash as last signed (`ModelInfo.weight_hash`); "" before it is hashed. */
  weightHashOf(modelId: string): string {
    return this.weightHashes.get(modelId) ?? "";
  }

  /** The identity key's fresh signature over an opened key proof (KeyProof.identity_signature). */
  signKeyProof(secret: Uint8Array, encryptionPublicKey: Uint8Array): Promise<Uint8Array> {
    return this.options.identity.sign(keyProofPayload(secret, encryptionPublicKey));
  }

  async answer(challenge: AttestationChallenge): Promise<AttestationResponse> {
    const statusJson = await this.status();
    const payload = challengePayload(challenge.nonce, challenge.timestampMs, statusJson);
    return create(AttestationResponseSchema, {
      nonce: challenge.nonce,
      timestampMs: challenge.timestampMs,
      statusJson,
      signature: await this.options.identity.sign(payload),
    });
  }

  async status(): Promise<Uint8Array> {
    const models = [];
    for (const m of this.options.models()) {
      const { weightHash } = await hashModelWeights(m.dir, this.cache);
      this.weightHashes.set(m.id, weightHash);
      models.push({ id: m.id, weightHash });
    }
    const status = {
      v: 1,
      version: this.options.version,
      binaryHash: this.options.binaryHash,
      encryptionPublicKey: toBase64(this.options.encryptionPublicKey),
      keySource: this.options.identity.kind,
      models,
      security: {
        platform: process.platform,
        inspectorAttached: inspector.url() !== undefined,
        sip: "unknown",
      },
      deviceId: this.options.deviceId,
    };
    return new TextEncoder().encode(canonicalJson(status));
  }
}
