// Over 200 lines: the authority is one state machine (admit → attach → challenge/answer → detach).
import type { X509Certificate } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { challengePayload, keyProofPayload } from "@darkbloom/crypto";
import {
  AttestationEvidenceSchema,
  ProviderFrameSchema,
  type AttestationEvidence,
  type AttestationResponse,
  type KeyProof,
  type Register,
} from "@darkbloom/proto";
import type {
  Admission,
  AttestedSession,
  SessionTrust,
  SessionTrustHooks,
} from "@darkbloom/session-trust";
import type { Logger } from "@darkbloom/telemetry";
import type { AttestationMetrics, RefusalReason } from "../attestation-metrics.js";
import { bindIdentity, type IdentityBindings } from "../identity/bind-identity.js";
import { parseStatus } from "../identity/provider-status.js";
import { verifyIdentitySignature } from "../identity/signed-payloads.js";
import { evaluateTrust, type ProviderEvidence, type TrustPolicy } from "../trust-policy.js";
import { checkRegister } from "./admit-register.js";
import { NonceBook } from "./nonce-book.js";

export interface AuthorityOptions {
  challengeIntervalMs: number;
  maxAttestationAgeMs: number;
  minVersion: string;
  /** Binary hashes must match release artifacts (see TrustPolicy.releaseBinaries). */
  requireReleaseBinary: boolean;
  /** Providers without an identity key are refused at registration. */
  requireAttestation?: boolean;
  modelHashes: ReadonlyMap<string, ReadonlySet<string>>;
  mdaRoots: readonly X509Certificate[];
}

export interface ReleaseInfo {
  version: string;
  /** The artifacts' code-tree hashes (`tree_sha256`; empty ones are left out). */
  treeSha256: readonly string[];
}

export interface AuthorityDeps {
  /** Registered releases, newest first (the release registry). */
  releases(): Promise<ReleaseInfo[]>;
  /** Whether a UDID is MDM-enrolled (authenticated TokenUpdate received, not checked out). */
  isEnrolled(udid: string): boolean | Promise<boolean>;
  /**
   * The model registry's weight hash for a model (rebuilt from its per-file SHA-256s), null when
   * the registry does not publish it. Absent: the registry is not consulted.
   */
  registryWeightHash?(modelId: string): Promise<string | null>;
  /** Provider id → identity key bindings (Postgres); absent: ids are not bound to identities. */
  identities?: IdentityBindings;
  metrics: AttestationMetrics;
  log: Logger;
  now?: () => number;
}

interface Attested {
  session: AttestedSession;
  identityKey: Uint8Array;
  /** The verified MDA chain the provider registered with ("" when none). */
  mdaChainPem: string;
  nonces: NonceBook;
  evidence: ProviderEvidence;
  /** The latest good signed answer, as the provider signed it (handed to sealed-mode clients). */
  signed: AttestationEvidence | undefined;
  lastChallengeAtMs: number;
}

export type AuthorityState = { kind: "running" } | { kind: "closed" };

/**
 * Decides every provider's trust: verifies registrations, challenges attested providers right
 * after registration and every `challengeIntervalMs`, verifies answers, and fences providers whose
 * last good answer is older than `maxAttestationAgeMs` or whose answer, version, binary or model
 * hashes fail the policy. One timer for all sessions; `close()` stops it.
 */
export class AttestationAuthority implements SessionTrustHooks {
  private stateValue: AuthorityState = { kind: "running" };
  private readonly sessions = new Map<AttestedSession, Attested>();
  private readonly byProviderId = new Map<string, Attested>();
  private readonly checked = new WeakMap<Register, ReturnType<typeof checkRegister>>();
  private policy: TrustPolicy;
  private readonly timer: NodeJS.Timeout;
  private lastRefreshMs = 0;
  private readonly now: () => number;

  constructor(
    private readonly options: AuthorityOptions,
    private readonly deps: AuthorityDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.policy = {
      minVersion: options.minVersion,
      latestVersion: "",
      requireAttestation: options.requireAttestation ?? false,
      registryWeightHashes: new Map(),
      registryEnabled: deps.registryWeightHash !== undefined,
      releaseBinaries: options.requireReleaseBinary ? new Map() : undefined,
      modelHashes: options.modelHashes,
      maxAttestationAgeMs: options.maxAttestationAgeMs,
    };
    const tickMs = Math.max(10, Math.min(1000, Math.floor(options.challengeIntervalMs / 4)));
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  get state(): AuthorityState {
    return this.stateValue;
  }

  /** Loads the release registry once before providers connect. */
  async start(): Promise<void> {
    await this.refreshReleases();
  }

  admit(register: Register): Admission {
    const result = checkRegister(
      register,
      this.policy,
      this.options.mdaRoots,
      new Date(this.now()),
    );
    this.checked.set(register, result);
    if (result.ok) return { ok: true };
    this.refuse(result.reason, result.message, "registration");
    return { ok: false, code: result.reason, message: result.message };
  }

  /**
   * A fresh signature by the identity key over the opened key proof (the Register's signature is
   * over a status that could be replayed), then the id's binding to that identity.
   */
  async bindIdentity(providerId: string, register: Register, proof: KeyProof): Promise<Admission> {
    const identityKey = register.identityPublicKey;
    const payload = keyProofPayload(proof.secret, register.encryptionPublicKey);
    if (
      identityKey.byteLength > 0 &&
      !verifyIdentitySignature(identityKey, payload, proof.identitySignature)
    ) {
      const message =
        "the key proof is not signed by the identity key (a fresh signature is required)";
      this.refuse("identity_proof_failed", message, providerId);
      return { ok: false, code: "identity_proof_failed", message };
    }
    if (!this.deps.identities) return { ok: true };
    const bound = await bindIdentity(this.deps.identities, providerId, register);
    if (!bound.ok) this.refuse("identity_mismatch", bound.message, providerId);
    return bound;
  }

  attach(session: AttestedSession): void {
    const register = session.register;
    const result = register && this.checked.get(register);
    if (!register || !result?.ok || !result.attested) return; // unattested: stays NONE
    const udid = result.mdaUdid ?? result.status.deviceId;
    const attested: Attested = {
      session,
      identityKey: register.identityPublicKey,
      mdaChainPem:
        result.mdaUdid === undefined ? "" : new TextDecoder().decode(register.attestation),
      nonces: new NonceBook(this.options.maxAttestationAgeMs),
      evidence: {
        status: result.status,
        mda: result.mdaUdid !== undefined,
        enrolled: false, // looked up below (Postgres)
        lastGoodAtMs: this.now(), // the verified registration counts as the first good answer
        failure: "",
      },
      signed: undefined,
      lastChallengeAtMs: 0,
    };
    this.sessions.set(session, attested);
    this.byProviderId.set(session.id, attested);
    this.challenge(attested);
    this.evaluate(attested);
    this.refreshEnrollment(attested, udid);
    this.lookupModels(result.status.models.map((m) => m.id));
  }

  onResponse(session: AttestedSession, response: AttestationResponse): void {
    const a = this.sessions.get(session);
    if (!a) return this.refuse("unknown_nonce", "answer from an unattested provider", session.id);
    const now = this.now();
    const verdict = this.verifyAnswer(a, response, now);
    if (verdict.ok) {
      a.nonces.consume(response.nonce, now);
      a.evidence = { ...a.evidence, status: verdict.status, lastGoodAtMs: now, failure: "" };
      a.signed = create(AttestationEvidenceSchema, {
        identityPublicKey: a.identityKey,
        statusJson: response.statusJson,
        signature: response.signature,
        nonce: response.nonce,
        timestampMs: response.timestampMs,
        mdaChainPem: a.mdaChainPem,
      });
      this.deps.metrics.goodAnswers.inc();
      this.refreshEnrollment(a, a.evidence.mda ? "" : verdict.status.deviceId);
      this.lookupModels(verdict.status.models.map((m) => m.id));
    } else {
      this.refuse(verdict.reason, verdict.message, session.id);
      a.evidence = { ...a.evidence, failure: `attestation refused (${verdict.reason})` };
    }
    this.evaluate(a);
  }

  detach(session: AttestedSession): void {
    this.sessions.delete(session);
    if (this.byProviderId.get(session.id)?.session === session)
      this.byProviderId.delete(session.id);
  }

  /**
   * The provider's latest good signed challenge answer (undefined before its first one, or for an
   * unattested provider): what a sealed-mode client verifies the provider's key with.
   */
  evidenceOf(providerId: string): AttestationEvidence | undefined {
    return this.byProviderId.get(providerId)?.signed;
  }

  /** Sets the version floor at runtime; returns the providers it fences. */
  setMinVersion(minVersion: string): string[] {
    this.policy = { ...this.policy, minVersion };
    const fenced: string[] = [];
    for (const a of this.sessions.values())
      if (!this.evaluate(a).routable) fenced.push(a.session.id);
    return fenced;
  }

  trustOf(session: AttestedSession): SessionTrust | undefined {
    const a = this.sessions.get(session);
    return a && evaluateTrust(a.evidence, this.policy, this.now());
  }

  close(): void {
    if (this.stateValue.kind === "closed") return;
    this.stateValue = { kind: "closed" };
    clearInterval(this.timer);
    this.sessions.clear();
    this.byProviderId.clear();
  }

  private verifyAnswer(a: Attested, r: AttestationResponse, now: number) {
    const nonce = a.nonces.check(r.nonce, r.timestampMs, now);
    if (!nonce.ok) return { ...nonce, message: `challenge answer refused: ${nonce.reason}` };
    const payload = challengePayload(r.nonce, r.timestampMs, r.statusJson);
    if (!verifyIdentitySignature(a.identityKey, payload, r.signature))
      return fail("bad_signature", "the answer's signature does not verify with the identity key");
    const parsed = parseStatus(r.statusJson);
    if (!parsed.ok) return fail("bad_status", parsed.message);
    if (parsed.status.encryptionPublicKey !== a.evidence.status.encryptionPublicKey)
      return fail("key_mismatch", "the answer vouches for a different encryption key");
    return { ok: true as const, status: parsed.status };
  }

  private challenge(a: Attested): void {
    const now = this.now();
    const { nonce, timestampMs } = a.nonces.issue(now);
    a.lastChallengeAtMs = now;
    this.deps.metrics.challenges.inc();
    a.session.send(
      create(ProviderFrameSchema, {
        kind: { case: "attestationChallenge", value: { nonce, timestampMs } },
      }),
    );
  }

  private evaluate(a: Attested): SessionTrust {
    const trust = evaluateTrust(a.evidence, this.policy, this.now());
    // models the Register advertises but the signed status does not vouch for (or vouches for
    // with other weights than its ModelInfo.weight_hash) are fenced too
    const vouched = new Map(a.evidence.status.models.map((m) => [m.id, m.weightHash]));
    const unvouched = (a.session.register?.models ?? []).filter(
      (m) => !vouched.has(m.id) || (m.weightHash !== "" && m.weightHash !== vouched.get(m.id)),
    );
    const withUnvouched =
      unvouched.length === 0
        ? trust
        : {
            ...trust,
            fencedModels: new Set([...trust.fencedModels, ...unvouched.map((m) => m.id)]),
          };
    a.session.setTrust(withUnvouched);
    return withUnvouched;
  }

  private tick(): void {
    const now = this.now();
    for (const a of this.sessions.values()) {
      if (now - a.lastChallengeAtMs >= this.options.challengeIntervalMs) this.challenge(a);
      this.evaluate(a);
    }
    if (now - this.lastRefreshMs >= this.options.challengeIntervalMs) {
      this.lastRefreshMs = now;
      this.lookupModels([...this.policy.registryWeightHashes.keys()], true);
      this.refreshReleases().catch((err: unknown) =>
        this.deps.log.warn("release registry refresh failed", { error: String(err) }),
      );
    }
  }

  private async refreshReleases(): Promise<void> {
    const releases = await this.deps.releases();
    this.policy = {
      ...this.policy,
      latestVersion: releases[0]?.version ?? "",
      releaseBinaries: this.options.requireReleaseBinary
        ? new Map(releases.map((r) => [r.version, new Set(r.treeSha256)]))
        : undefined,
    };
  }

  /** Re-reads a device's enrollment (shared state in Postgres) and re-evaluates the provider. */
  private refreshEnrollment(a: Attested, udid: string): void {
    if (udid === "" || a.evidence.mda) return;
    Promise.resolve(this.deps.isEnrolled(udid))
      .then((enrolled) => {
        if (enrolled === a.evidence.enrolled || !this.sessions.has(a.session)) return;
        a.evidence = { ...a.evidence, enrolled };
        this.evaluate(a);
      })
      .catch((err: unknown) =>
        this.deps.log.warn("enrollment lookup failed", { udid, error: String(err) }),
      );
  }

  /** Looks up registry weight hashes for models not known yet (or all, on refresh). */
  private lookupModels(ids: readonly string[], refresh = false): void {
    if (!this.deps.registryWeightHash) return;
    const lookup = (id: string) => this.deps.registryWeightHash?.(id) ?? Promise.resolve(null);
    const known = this.policy.registryWeightHashes;
    const wanted = [...new Set(ids)].filter((id) => refresh || !known.has(id));
    if (wanted.length === 0) return;
    Promise.all(wanted.map(async (id) => [id, await lookup(id)] as const))
      .then((found) => {
        if (this.stateValue.kind === "closed") return;
        const next = new Map(this.policy.registryWeightHashes);
        for (const [id, hash] of found) next.set(id, hash);
        this.policy = { ...this.policy, registryWeightHashes: next };
        for (const a of this.sessions.values()) this.evaluate(a);
      })
      .catch((err: unknown) =>
        this.deps.log.warn("model registry lookup failed", { error: String(err) }),
      );
  }

  private refuse(reason: RefusalReason, message: string, providerId: string): void {
    this.deps.metrics.refusals.inc({ reason });
    this.deps.log.warn("attestation refused", { providerId, reason, message });
  }
}

const fail = (reason: RefusalReason, message: string) => ({ ok: false as const, reason, message });
