import type { X509Certificate } from "node:crypto";
import { registerPayload, toBase64 } from "@darkbloom/crypto";
import type { Register } from "@darkbloom/proto";
import type { RefusalReason } from "../attestation-metrics.js";
import { verifyMdaChain } from "../identity/mda-chain.js";
import { parseStatus, type ProviderStatus } from "../identity/provider-status.js";
import { isIdentityKey, verifyIdentitySignature } from "../identity/signed-payloads.js";
import { versionRefusal, type TrustPolicy } from "../trust-policy.js";

export type RegisterCheck =
  | { ok: true; attested: false }
  | { ok: true; attested: true; status: ProviderStatus; mdaUdid: string | undefined }
  | { ok: false; reason: RefusalReason; message: string };

/**
 * Verifies a Register: version floor; then, when the provider presents an identity key, the
 * signature over its status, the status naming the same X25519 key (a swapped key fails here),
 * and an MDA chain when one is attached. Providers without an identity key are unattested.
 */
export function checkRegister(
  register: Register,
  policy: TrustPolicy,
  mdaRoots: readonly X509Certificate[],
  now: Date,
): RegisterCheck {
  const tooOld = versionRefusal(register.version, policy);
  if (tooOld) return { ok: false, reason: "version_too_old", message: tooOld };
  if (register.identityPublicKey.byteLength === 0)
    return policy.requireAttestation
      ? {
          ok: false,
          reason: "attestation_required",
          message:
            "this coordinator requires provider attestation: register with an identity key (upgrade with `darkbloom update`)",
        }
      : { ok: true, attested: false };
  if (!isIdentityKey(register.identityPublicKey))
    return { ok: false, reason: "bad_identity_key", message: "identity key is not a P-256 key" };
  const payload = registerPayload(register.statusJson);
  if (!verifyIdentitySignature(register.identityPublicKey, payload, register.identitySignature))
    return {
      ok: false,
      reason: "bad_signature",
      message: "the registration signature does not verify with the identity key",
    };
  const parsed = parseStatus(register.statusJson);
  if (!parsed.ok) return { ok: false, reason: "bad_status", message: parsed.message };
  if (parsed.status.encryptionPublicKey !== toBase64(register.encryptionPublicKey))
    return {
      ok: false,
      reason: "key_mismatch",
      message: "the encryption key is not the one the identity key signed",
    };
  if (parsed.status.version !== register.version)
    return { ok: false, reason: "bad_status", message: "signed version differs from Register" };
  let mdaUdid: string | undefined;
  if (register.attestation.byteLength > 0) {
    const pem = new TextDecoder().decode(register.attestation);
    const mda = verifyMdaChain(pem, mdaRoots, register.identityPublicKey, now);
    if (!mda.ok) return { ok: false, reason: "mda_invalid", message: mda.message };
    mdaUdid = mda.udid;
  }
  return { ok: true, attested: true, status: parsed.status, mdaUdid };
}
