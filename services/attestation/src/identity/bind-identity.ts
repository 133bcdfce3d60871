import { identityRotationPayload } from "@darkbloom/crypto";
import type { Register } from "@darkbloom/proto";
import type { Admission } from "@darkbloom/session-trust";
import { p256 } from "@noble/curves/nist.js";
import type { IdentityStore } from "./identity-store.js";
import { verifyIdentitySignature } from "./signed-payloads.js";

/** The part of the identity store the binding rule needs. */
export type IdentityBindings = Pick<IdentityStore, "bind" | "boundKey" | "rotate">;

/**
 * The identity-binding rule (DESIGN §10): a provider id is bound to the first identity key that
 * registers it. A Register with another identity key (or none) is refused unless it carries a
 * rotation signature by the bound key over (encryption key, new identity key). Runs after the
 * registration signature and the key proof have been verified.
 */
export async function bindIdentity(
  store: IdentityBindings,
  providerId: string,
  register: Register,
): Promise<Admission> {
  if (register.identityPublicKey.byteLength === 0) {
    if (!(await store.boundKey(providerId))) return { ok: true }; // unattested, never bound
    return refusal(providerId, "registered without its identity key");
  }
  const identityKey = compressed(register.identityPublicKey);
  const bound = await store.bind(providerId, identityKey);
  if (bound.kind !== "other") return { ok: true };
  const payload = identityRotationPayload(register.encryptionPublicKey, identityKey);
  const signed =
    register.identityRotationSignature.byteLength > 0 &&
    verifyIdentitySignature(bound.boundKey, payload, register.identityRotationSignature);
  if (signed && (await store.rotate(providerId, bound.boundKey, identityKey))) return { ok: true };
  return refusal(
    providerId,
    signed ? "its binding changed meanwhile" : "registered with another identity key",
  );
}

function refusal(providerId: string, what: string): Admission {
  return {
    ok: false,
    code: "identity_mismatch",
    message:
      `provider ${providerId} is bound to another identity key and ${what}: ` +
      "sign the new identity key with the old one, or ask the operator to reset the binding",
  };
}

/** SEC1 compressed form (33 bytes), so one key has one stored form. */
function compressed(key: Uint8Array): Uint8Array {
  return p256.Point.fromBytes(key).toBytes(true);
}
