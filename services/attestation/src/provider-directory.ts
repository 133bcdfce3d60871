import type { TrustLevel } from "@darkbloom/proto";

/** What attestation needs to know about connected providers; the routing registry provides it. */
export interface ProviderRecord {
  providerId: string;
  encryptionPublicKey: Uint8Array;
  trustLevel: TrustLevel;
  routable: boolean;
  reason: string;
  lastAttestedAtMs: number;
  models: readonly string[];
}

export interface ProviderDirectory {
  list(): ProviderRecord[];
  get(providerId: string): ProviderRecord | undefined;
}
