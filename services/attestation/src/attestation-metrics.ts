import { Counter, type Registry } from "@darkbloom/telemetry";

/** Why a registration or a challenge answer was refused (the `reason` label). */
export type RefusalReason =
  | "bad_identity_key"
  | "bad_signature"
  | "bad_status"
  | "key_mismatch"
  | "version_too_old"
  | "mda_invalid"
  | "replayed_nonce"
  | "unknown_nonce"
  | "stale_nonce"
  | "bad_timestamp"
  | "attestation_required"
  | "identity_mismatch"
  | "identity_proof_failed";

export interface AttestationMetrics {
  refusals: Counter<"reason">;
  challenges: Counter;
  goodAnswers: Counter;
}

export function createAttestationMetrics(registry: Registry): AttestationMetrics {
  return {
    refusals: new Counter({
      name: "darkbloom_attestation_refusals_total",
      help: "Registrations and challenge answers refused by attestation, by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    challenges: new Counter({
      name: "darkbloom_attestation_challenges_total",
      help: "Attestation challenges sent to providers",
      registers: [registry],
    }),
    goodAnswers: new Counter({
      name: "darkbloom_attestation_good_answers_total",
      help: "Challenge answers that verified",
      registers: [registry],
    }),
  };
}
