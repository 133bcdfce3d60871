/** A provider's signed challenge answer as `GET /v1/sealed/provider-keys` serves it (base64 bytes). */
export interface WireEvidence {
  /** SEC1 P-256 identity public key. */
  identity_public_key: string;
  /** The canonical status JSON bytes the provider signed. */
  status_json: string;
  /** ECDSA P-256 / SHA-256, DER, over challengePayload(nonce, timestamp_ms, status_json). */
  signature: string;
  nonce: string;
  /** The challenge's timestamp, signed by the provider: when the evidence was produced. */
  timestamp_ms: number;
  /** MDA certificate chain (PEM, leaf first); "" when none. */
  mda_chain_pem: string;
}

/** One candidate key for a model, as the coordinator serves it. */
export interface AttestedKey {
  provider_id: string;
  public_key: string;
  key_fingerprint: string;
  trust_level: string;
  /** Absent or null for providers without an identity key (trust `none`). */
  evidence?: WireEvidence | null;
}
