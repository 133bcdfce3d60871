import type { Certificate } from "pkijs";
import { certificatesOf } from "./evidence/verify-mda-chain.js";
import type { IdentityPinStore } from "./evidence/identity-pins.js";
import type { VerificationPolicy } from "./evidence/verify-candidates.js";
import { DarkbloomError } from "./sdk-error.js";

/** How sealed mode verifies provider keys; every field has a documented default. */
export interface SealedModeOptions {
  /**
   * Oldest acceptable provider evidence (its signed challenge time). Default 15 min: three of the
   * coordinator's 5-minute challenge periods.
   */
  maxEvidenceAgeMs?: number;
  /** How far in the future a signed challenge time may be (clock skew). Default 60 s. */
  maxClockSkewMs?: number;
  /**
   * PEM bundle(s) of the MDA roots you trust (Apple's Enterprise Attestation Root CA in
   * production). Default none: `hardware_mda` cannot be verified and `min_trust: "hardware_mda"`
   * is refused.
   */
  attestationRoots?: string | readonly string[];
  /** Accept only providers whose identity-key fingerprint is listed. Default: any identity. */
  pinnedIdentities?: readonly string[];
  /**
   * Trust on first use: remember each provider id's identity and refuse a different one later.
   * Default none (no TOFU); `new MemoryIdentityPins()` pins for the client's lifetime.
   */
  identityPins?: IdentityPinStore;
  /**
   * Seal to providers without an identity key (trust `none`) — their key is only the
   * coordinator's word. Default false.
   */
  allowUnattested?: boolean;
}

/** The options with defaults filled in, parsed once per client. */
export function verificationPolicy(o: SealedModeOptions): Readonly<VerificationPolicy> {
  return Object.freeze({
    maxEvidenceAgeMs: o.maxEvidenceAgeMs ?? 15 * 60_000,
    maxClockSkewMs: o.maxClockSkewMs ?? 60_000,
    attestationRoots: parseRoots(o.attestationRoots),
    allowUnattested: o.allowUnattested ?? false,
    allowedIdentities: new Set(o.pinnedIdentities ?? []),
    pins: o.identityPins,
  });
}

function parseRoots(pem: string | readonly string[] | undefined): Certificate[] {
  const text = typeof pem === "string" ? pem : (pem ?? []).join("\n");
  try {
    const roots = certificatesOf(text);
    if (text.trim() !== "" && roots.length === 0) throw new Error("no certificate in the PEM");
    return roots;
  } catch (err) {
    throw new DarkbloomError(0, "invalid_attestation_roots", "attestationRoots is not PEM", {
      cause: err,
    });
  }
}
