import { canonicalJson, challengePayload, fromBase64 } from "@darkbloom/crypto";
import { p256 } from "@noble/curves/nist.js";
import type { Certificate } from "pkijs";
import type { TrustName } from "../chat-types.js";
import { DarkbloomError } from "../sdk-error.js";
import { identityFingerprint } from "./identity-pins.js";
import { trustRank } from "./trust-rank.js";
import { verifyMdaChain } from "./verify-mda-chain.js";
import type { AttestedKey, WireEvidence } from "./wire-evidence.js";

/** What a caller accepts as evidence (DarkbloomClientOptions, defaults filled in). */
export interface EvidencePolicy {
  /** Oldest acceptable signing time (the signed challenge timestamp), relative to `now`. */
  maxEvidenceAgeMs: number;
  /** How far a signing time may lie in the future (clock skew). */
  maxClockSkewMs: number;
  /** MDA roots the caller trusts; empty: `hardware_mda` claims cannot be verified. */
  attestationRoots: readonly Certificate[];
  /** Accept providers without evidence when the coordinator claims no more than `none`. */
  allowUnattested: boolean;
}

/** A candidate key the SDK verified from the provider's own signature. */
export interface VerifiedKey {
  providerId: string;
  publicKey: string;
  /** The highest level the evidence itself supports (at most the coordinator's claim). */
  verifiedTrust: TrustName;
  /** keyFingerprint-style fingerprint of the identity key; "" for an unattested provider. */
  identityFingerprint: string;
}

const refuse = (code: string, message: string): never => {
  throw new DarkbloomError(0, code, message);
};

/**
 * Verifies one candidate key from the provider's signed challenge answer, without trusting the
 * coordinator: the identity key's signature over the shared challenge layout, the signed status
 * naming exactly this X25519 key, a recent signing time, and a claimed trust level no higher than
 * the evidence supports (a software key: `software`; an enclave claim: `hardware`; `hardware_mda`
 * only with an MDA chain that verifies against the caller's roots). Throws DarkbloomError.
 */
export async function verifyEvidence(
  key: AttestedKey,
  policy: EvidencePolicy,
  nowMs: number,
): Promise<VerifiedKey> {
  const claimed = key.trust_level;
  const base = { providerId: key.provider_id, publicKey: key.public_key };
  const e = key.evidence;
  if (!e) {
    if (policy.allowUnattested && claimed === "none")
      return { ...base, verifiedTrust: "none", identityFingerprint: "" };
    return refuse(
      "attestation_evidence_missing",
      `provider ${key.provider_id} comes without signed attestation evidence`,
    );
  }
  const bytes = decode(e);
  const payload = challengePayload(bytes.nonce, BigInt(e.timestamp_ms), bytes.status);
  if (!verifySignature(bytes.identity, payload, bytes.signature))
    refuse("attestation_signature_invalid", "the evidence's signature does not verify");
  const status = parseStatus(bytes.status);
  if (status.encryptionPublicKey !== key.public_key)
    refuse(
      "attestation_key_mismatch",
      `the provider's signed status vouches for another encryption key than the one offered`,
    );
  const ageMs = nowMs - e.timestamp_ms;
  if (ageMs > policy.maxEvidenceAgeMs || -ageMs > policy.maxClockSkewMs)
    refuse(
      "attestation_evidence_stale",
      `the evidence was signed ${Math.round(ageMs / 1000)} s ago (limit ${policy.maxEvidenceAgeMs / 1000} s)`,
    );
  const verifiedTrust = await supportedTrust(e, status.keySource, bytes.identity, policy, nowMs);
  const unverifiableMda =
    claimed === "hardware_mda" && verifiedTrust === "hardware" && e.mda_chain_pem !== "";
  if (trustRank(claimed) > trustRank(verifiedTrust) && !unverifiableMda)
    refuse(
      "attestation_trust_unsupported",
      `the coordinator claims trust ${claimed} but the evidence supports at most ${verifiedTrust}`,
    );
  const verified = trustRank(claimed) < trustRank(verifiedTrust) ? claimed : verifiedTrust;
  return {
    ...base,
    verifiedTrust: verified as TrustName,
    identityFingerprint: identityFingerprint(bytes.identity),
  };
}

/** software key → software; enclave claim → hardware; + MDA chain to the caller's roots → hardware_mda. */
async function supportedTrust(
  e: WireEvidence,
  keySource: string,
  identity: Uint8Array,
  policy: EvidencePolicy,
  nowMs: number,
): Promise<TrustName> {
  if (keySource !== "secure-enclave") return "software";
  if (e.mda_chain_pem === "" || policy.attestationRoots.length === 0) return "hardware";
  const mda = await verifyMdaChain(
    e.mda_chain_pem,
    policy.attestationRoots,
    identity,
    new Date(nowMs),
  );
  if (!mda.ok) return refuse("attestation_chain_invalid", mda.message);
  return "hardware_mda";
}

function decode(e: WireEvidence) {
  try {
    return {
      identity: fromBase64(e.identity_public_key),
      status: fromBase64(e.status_json),
      signature: fromBase64(e.signature),
      nonce: fromBase64(e.nonce),
    };
  } catch (err) {
    throw new DarkbloomError(0, "attestation_evidence_malformed", "the evidence is not base64", {
      cause: err,
    });
  }
}

function verifySignature(identity: Uint8Array, payload: Uint8Array, signature: Uint8Array) {
  try {
    return p256.verify(signature, payload, identity, { format: "der" });
  } catch {
    return false; // a malformed key or signature is simply not valid
  }
}

/** The fields of the signed status the SDK relies on; refused unless canonical JSON. */
function parseStatus(bytes: Uint8Array): { encryptionPublicKey: string; keySource: string } {
  const text = new TextDecoder().decode(bytes);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  const s = raw as { v?: unknown; encryptionPublicKey?: unknown; keySource?: unknown } | undefined;
  if (
    typeof s !== "object" ||
    s === null ||
    s.v !== 1 ||
    typeof s.encryptionPublicKey !== "string" ||
    typeof s.keySource !== "string" ||
    canonicalJson(raw) !== text
  )
    return refuse("attestation_evidence_malformed", "the signed status is not a canonical status");
  return { encryptionPublicKey: s.encryptionPublicKey, keySource: s.keySource };
}
