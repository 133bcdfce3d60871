import { toBase64 } from "@darkbloom/crypto";
import { TrustLevel, type AttestationEvidence } from "@darkbloom/proto";
import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { badRequest } from "../../errors/edge-error.js";
import { sendJson } from "../../http/respond.js";
import { sealedModeOf, trustName, trustSchema } from "./sealed-mode-deps.js";

/** GET /v1/sealed/provider-keys?model=…&min_trust=… — attested candidate keys for a model. */
export async function sealedProviderKeys(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const sealed = sealedModeOf(ctx);
  const query = new URL(req.req.url ?? "/", "http://edge").searchParams;
  const model = query.get("model");
  if (!model) throw badRequest("query parameter model is required", "model");
  const trust = trustSchema.safeParse(query.get("min_trust") ?? "none");
  if (!trust.success)
    throw badRequest("min_trust must be none, software, hardware or hardware_mda", "min_trust");
  const minTrust = query.has("min_trust") ? trust.data : TrustLevel.UNSPECIFIED;
  const { keys } = await sealed.attestation.getProviderKeys({ model, minTrust });
  sendJson(req.res, 200, {
    object: "list",
    data: keys.map((k) => ({
      provider_id: k.providerId,
      public_key: toBase64(k.publicKey),
      key_fingerprint: k.keyFingerprint,
      trust_level: trustName(k.trustLevel),
      evidence: k.evidence ? evidenceJson(k.evidence) : null,
    })),
  });
}

/** The provider's signed answer, bytes as base64, so the SDK can verify the key itself. */
const evidenceJson = (e: AttestationEvidence) => ({
  identity_public_key: toBase64(e.identityPublicKey),
  status_json: toBase64(e.statusJson),
  signature: toBase64(e.signature),
  nonce: toBase64(e.nonce),
  timestamp_ms: Number(e.timestampMs),
  mda_chain_pem: e.mdaChainPem,
});
