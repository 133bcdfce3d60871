import {
  TrustLevel,
  type AttestationResponse,
  type KeyProof,
  type ProviderFrame,
  type Register,
} from "@darkbloom/proto";

/** What attestation has decided about one provider session; the scheduler reads it. */
export interface SessionTrust {
  level: TrustLevel;
  /** False when attestation fenced the provider (failed, stale, untrusted hashes or version). */
  routable: boolean;
  /** Why the provider is fenced or capped; empty when nothing is wrong. */
  reason: string;
  /** Models whose weight hash is not trusted: never routed to this provider. */
  fencedModels: ReadonlySet<string>;
  /**
   * Fenced models whose check has not finished yet (the model registry lookup of a replica that
   * just started): requests for them wait for the verdict instead of failing. Absent: none.
   */
  pendingModels?: ReadonlySet<string>;
  lastAttestedAtMs: number;
}

/** Trust of a provider that has not proven an identity (attestation off or legacy provider). */
export const UNATTESTED: SessionTrust = {
  level: TrustLevel.NONE,
  routable: true,
  reason: "",
  fencedModels: new Set(),
  lastAttestedAtMs: 0,
};

/** The session as attestation sees it: identity, frame sending, and its trust slot. */
export interface AttestedSession {
  readonly id: string;
  readonly register: Register | undefined;
  send(frame: ProviderFrame): void;
  setTrust(trust: SessionTrust): void;
}

export type Admission =
  | {
      ok: true;
      /** The operator account the provider's token links it to (it earns for it); absent: none. */
      accountId?: string;
    }
  | { ok: false; code: string; message: string };

/**
 * Attestation's hooks into the gateway (implemented by services/attestation, wired by the
 * coordinator). Without them every provider is UNATTESTED.
 */
export interface SessionTrustHooks {
  /** Checks a Register before the session is registered; a refusal closes the connection. */
  admit(register: Register): Admission;
  /**
   * After the key proof (`proof.secret` verified): may this registration take `providerId`? (a
   * fresh identity signature over the proof, the id's identity binding shared by replicas).
   * Absent: ids are not bound to identities.
   */
  bindIdentity?(providerId: string, register: Register, proof: KeyProof): Promise<Admission>;
  /** The session registered: start challenging it and set its trust. */
  attach(session: AttestedSession): void;
  onResponse(session: AttestedSession, response: AttestationResponse): void;
  detach(session: AttestedSession): void;
}
