import {
  CryptoError,
  fromBase64,
  keyFromBase64,
  promptTokenBoundOfSealedBody,
} from "@darkbloom/crypto";
import { z } from "zod";
import { relaySealed } from "../../core/relay-sealed.js";
import { startInference } from "../../core/start-inference.js";
import { streamInference } from "../../core/stream-inference.js";
import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { EdgeError, badRequest } from "../../errors/edge-error.js";
import { reservationExpired } from "../../errors/reservation-expired.js";
import { sealedModeOf } from "./sealed-mode-deps.js";
import { SealedStreamTranslator } from "./sealed-stream.js";

const submitSchema = z.object({
  // a plain id, or a signed reservation token (replicas as one network)
  reservation_id: z.string().min(1).max(2048),
  ephemeral_public_key: z.string().min(1).max(64),
  ciphertext: z.string().min(1),
});

const TAKE_REFUSALS = {
  unknown: "the reservation is unknown, expired, already used or not yours; reserve again",
  forged: "the reservation token is not valid (its signature does not match)",
  other_account: "the reservation belongs to another account",
} as const;

/**
 * POST /v1/sealed/completions — relays a body sealed by the client to the reserved provider and
 * streams the provider's still-sealed chunks back as SSE events. The edge sees only metadata:
 * token counts for billing, the finish reason, the provider's error status.
 */
export async function sealedSubmit(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const sealed = sealedModeOf(ctx);
  const parsed = submitSchema.safeParse(req.json);
  if (!parsed.success) {
    sealed.refusals.count("bad_envelope");
    throw badRequest(
      "body must be {reservation_id, ephemeral_public_key, ciphertext}",
      null,
      "invalid_sealed_body",
    );
  }
  let senderPublicKey: Uint8Array;
  let encryptedBody: Uint8Array;
  try {
    senderPublicKey = keyFromBase64(parsed.data.ephemeral_public_key);
    encryptedBody = fromBase64(parsed.data.ciphertext);
  } catch (err) {
    if (!(err instanceof CryptoError)) throw err;
    sealed.refusals.count(err.code === "bad_key" ? "bad_key" : "bad_envelope");
    throw badRequest(`sealed fields are not valid: ${err.code}`, null, "invalid_sealed_body");
  }
  const taken = sealed.reservations.take(parsed.data.reservation_id, req.principal.accountId);
  if (!taken.ok) {
    if (taken.reason === "expired") throw reservationExpired(true);
    if (taken.reason === "forged") sealed.refusals.count("bad_envelope");
    throw new EdgeError(
      taken.reason === "forged" ? 400 : 404,
      "invalid_request_error",
      taken.reason === "forged" ? "invalid_reservation" : "reservation_not_found",
      TAKE_REFUSALS[taken.reason],
      "reservation_id",
    );
  }
  const reservation = taken.reservation;

  // The core's sequence (core/start-inference.ts), as compat mode runs it: the money sequence's
  // hold and key reservation before the relay, the prompt bounded by the sealed body's size (the
  // client's estimate is only a hint), the relay of routing's reservation made at reserve
  // (core/relay-sealed.ts), settlement on completion or of what was delivered. The stream (200)
  // opens at the provider's first chunk or completion: a provider that refuses the body (it
  // cannot open it, names another model) answers with its first event, and that refusal must stay
  // a plain 4xx rather than an error event inside a 200 stream — hence no keep-alive.
  const order = {
    requestId: reservation.requestId,
    accountId: reservation.accountId,
    keyId: req.principal.keyId,
    ...(req.principal.limited === undefined ? {} : { keyLimited: req.principal.limited }),
    model: reservation.model,
    maxPromptTokens: promptTokenBoundOfSealedBody(encryptedBody.length),
    maxCompletionTokens: reservation.maxTokens,
    claim: reservation.claim,
  };
  const relay = () =>
    relaySealed(ctx.routing, {
      reservationId: reservation.reservationId,
      requestId: reservation.requestId,
      senderPublicKey,
      encryptedBody,
      signal: req.signal,
    });
  await streamInference(
    req,
    async () => ({ ...(await startInference(ctx, req, order, relay)), model: reservation.model }),
    () => new SealedStreamTranslator(),
    {
      model: reservation.model,
      keepAlive: false,
      headers: () => ({
        "x-request-id": reservation.claim.clientRequestId,
        "x-darkbloom-sealed": "e2e",
      }),
    },
  );
}
