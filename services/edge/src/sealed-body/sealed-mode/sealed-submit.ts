import { Code, ConnectError } from "@connectrpc/connect";
import {
  CryptoError,
  fromBase64,
  keyFromBase64,
  promptTokenBoundOfSealedBody,
  toBase64,
} from "@darkbloom/crypto";
import { FinishReason } from "@darkbloom/proto";
import { z } from "zod";
import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { EdgeError, badRequest, openAiErrorBody } from "../../errors/edge-error.js";
import { fromProviderStatus } from "../../errors/from-connect.js";
import { SseWriter } from "../../sse/sse-writer.js";
import { sealedModeOf } from "./sealed-mode-deps.js";
import { hold } from "../../inference/request-money.js";
import { reservationExpired } from "../../errors/reservation-expired.js";

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

  // The money sequence (inference/request-money.ts): hold and key reservation before the relay;
  // the prompt is bounded by the sealed body's size (the client's estimate is only a hint).
  const money = await hold(ctx, {
    requestId: reservation.requestId,
    accountId: reservation.accountId,
    keyId: req.principal.keyId,
    ...(req.principal.limited === undefined ? {} : { keyLimited: req.principal.limited }),
    model: reservation.model,
    maxPromptTokens: promptTokenBoundOfSealedBody(encryptedBody.length),
    maxCompletionTokens: reservation.maxTokens,
    claim: reservation.claim,
  });
  const events = ctx.routing.infer(
    {
      reservationId: reservation.reservationId,
      requestId: reservation.requestId,
      senderPublicKey,
      encryptedBody,
    },
    { signal: req.signal },
  );
  const sse = new SseWriter(req.res);
  let started = false;
  let servedBy = "";
  // The stream (200) opens at the provider's first chunk or completion: a provider that refuses
  // the body (it cannot open it, names another model) answers with its first event, and that
  // refusal must stay a plain 4xx rather than an error event inside a 200 stream.
  const startStream = async (): Promise<void> => {
    if (started) return;
    started = true;
    sse.start({ "x-request-id": reservation.claim.clientRequestId, "x-darkbloom-sealed": "e2e" });
    await sse.data({ type: "started", provider_id: servedBy });
  };
  try {
    for await (const ev of events) {
      switch (ev.kind.case) {
        case "started":
          servedBy = ev.kind.value.providerId;
          // earnings go to the provider's operator account when it logged in with a token
          money.providerAccountId = ev.kind.value.providerAccountId || ev.kind.value.providerId;
          break;
        case "chunk":
          await startStream();
          money.delivered += ev.kind.value.tokenCount;
          await sse.data({
            type: "chunk",
            sequence: ev.kind.value.sequence,
            tokens: ev.kind.value.tokenCount,
            sealed: toBase64(ev.kind.value.encryptedPayload),
          });
          break;
        case "complete": {
          await startStream();
          const usage = ev.kind.value.usage;
          await money.settle({
            promptTokens: usage?.promptTokens ?? 0,
            completionTokens: usage?.completionTokens ?? money.delivered,
          });
          await sse.data({
            type: "complete",
            usage: {
              prompt_tokens: usage?.promptTokens ?? 0,
              completion_tokens: usage?.completionTokens ?? money.delivered,
            },
            finish_reason: FinishReason[ev.kind.value.finishReason]?.toLowerCase() ?? "stop",
          });
          await sse.done();
          return;
        }
        case "error":
          throw fromProviderStatus(ev.kind.value.statusCode, ev.kind.value.message);
        case undefined:
          break;
      }
    }
    throw new EdgeError(
      502,
      "server_error",
      "provider_error",
      "the provider stream ended without completing",
    );
  } catch (err) {
    await money.settleDelivered();
    const edge = err instanceof EdgeError ? err : req.toEdgeError(err);
    if (!started) {
      if (ConnectError.from(err).code === Code.FailedPrecondition && !(err instanceof EdgeError))
        throw reservationExpired(true);
      throw edge;
    }
    req.log.warn("sealed stream failed after start", {
      status: edge.status,
      code: edge.code ?? "",
    });
    await sse.data({ type: "error", ...openAiErrorBody(edge) });
    sse.end();
  } finally {
    // The consumer went away mid-stream: charge only the tokens relayed to it.
    await money.settleDelivered();
  }
}
