import { keyFingerprint, toBase64 } from "@darkbloom/crypto";
import { TrustLevel } from "@darkbloom/proto";
import { z } from "zod";
import { reserveProvider } from "../../core/reserve-provider.js";
import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { EdgeError, badRequest } from "../../errors/edge-error.js";
import { sendJson } from "../../http/respond.js";
import { providerScope } from "../../prefix/provider-scope.js";
import { sealedModeOf, trustName, trustSchema } from "./sealed-mode-deps.js";
import { tokenCount } from "../../http/input-limits.js";

const reserveSchema = z.object({
  model: z.string().min(1).max(256),
  estimated_prompt_tokens: tokenCount(),
  max_tokens: tokenCount().optional(),
  stream: z.boolean().optional(),
  min_trust: trustSchema.optional(),
});

/**
 * POST /v1/sealed/reserve — routes on cleartext metadata only and answers with the chosen
 * provider's attested X25519 key, which the client seals the request to.
 */
export async function sealedReserve(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const sealed = sealedModeOf(ctx);
  const parsed = reserveSchema.safeParse(req.json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest(issue?.message ?? "invalid reserve request", issue?.path.join(".") ?? null);
  }
  const body = parsed.data;
  const maxTokens = body.max_tokens ?? ctx.options.defaultMaxTokens;
  const minTrust = body.min_trust ?? TrustLevel.UNSPECIFIED;
  // The same routing step as compat mode (core/reserve-provider.ts); the client seals to the key.
  const reservation = await reserveProvider(ctx.routing, {
    requestId: req.claim.claimId,
    model: body.model,
    estimatedPromptTokens: body.estimated_prompt_tokens,
    maxTokens,
    stream: body.stream === true,
    accountId: providerScope(ctx.options.prefixHashSecret, req.principal.accountId),
    minTrust,
  });
  const fingerprint = keyFingerprint(reservation.providerPublicKey);
  const { keys } = await sealed.attestation.getProviderKeys({ model: body.model, minTrust });
  const attested = keys.some(
    (k) => k.providerId === reservation.providerId && k.keyFingerprint === fingerprint,
  );
  if (fingerprint !== reservation.keyFingerprint || !attested) {
    sealed.refusals.count("bad_key");
    throw new EdgeError(
      503,
      "server_error",
      "provider_not_attested",
      "the reserved provider's key is not in the attested key list",
    );
  }
  const reservationId = sealed.reservations.add({
    reservationId: reservation.reservationId,
    providerId: reservation.providerId,
    keyFingerprint: fingerprint,
    requestId: req.claim.claimId,
    claim: req.claim,
    accountId: req.principal.accountId,
    model: body.model,
    estimatedPromptTokens: body.estimated_prompt_tokens,
    maxTokens,
    expiresAtMs: Number(reservation.expiresAtMs),
  });
  sendJson(req.res, 200, {
    reservation_id: reservationId,
    request_id: req.requestId,
    // The account scope the provider keys its caches by; sealed into the body by the client.
    account_id: providerScope(ctx.options.prefixHashSecret, req.principal.accountId),
    provider_id: reservation.providerId,
    provider_public_key: toBase64(reservation.providerPublicKey),
    key_fingerprint: fingerprint,
    trust_level: trustName(reservation.trustLevel),
    max_tokens: maxTokens,
    expires_at_ms: Number(reservation.expiresAtMs),
  });
}
