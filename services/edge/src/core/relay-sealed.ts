import type { Client } from "@connectrpc/connect";
import { TrustLevel, type RoutingService } from "@darkbloom/proto";
import { EdgeError } from "../errors/edge-error.js";
import { fromProviderStatus } from "../errors/from-connect.js";
import { MidStreamError, relayFailure, type InferenceEvent } from "./run-inference.js";

/** A body the client sealed to the provider it reserved (sealed mode's submit). */
export interface SealedSubmission {
  /** Routing's reservation, made by the earlier `POST /v1/sealed/reserve` (reserve-provider.ts). */
  reservationId: string;
  requestId: string;
  senderPublicKey: Uint8Array;
  encryptedBody: Uint8Array;
  signal: AbortSignal;
}

/**
 * Sealed-mode inference on a reservation the client already holds: relay the client's sealed body
 * and the provider's still-sealed chunks. The same events as runInference (the compat relay), so
 * the same money sequence, start and stream run it; a delta carries its sealed payload instead
 * of text, and only the relay's metadata (token counts, finish reason, usage) is read here.
 */
export async function* relaySealed(
  routing: Client<typeof RoutingService>,
  submission: SealedSubmission,
): AsyncGenerator<InferenceEvent> {
  let delivered = 0;
  try {
    const events = routing.infer(
      {
        reservationId: submission.reservationId,
        requestId: submission.requestId,
        senderPublicKey: submission.senderPublicKey,
        encryptedBody: submission.encryptedBody,
      },
      { signal: submission.signal },
    );
    for await (const ev of events) {
      switch (ev.kind.case) {
        case "started":
          yield {
            type: "started",
            providerId: ev.kind.value.providerId,
            providerAccountId: ev.kind.value.providerAccountId,
            // The client checked the provider's key and trust when it reserved (sealed-reserve.ts);
            // sealed mode's stream names only the provider.
            trustLevel: TrustLevel.UNSPECIFIED,
            keyFingerprint: "",
          };
          break;
        case "chunk":
          delivered += ev.kind.value.tokenCount;
          yield {
            type: "delta",
            text: "",
            tokens: ev.kind.value.tokenCount,
            toolCalls: [],
            promptTokens: 0,
            sealed: { sequence: ev.kind.value.sequence, payload: ev.kind.value.encryptedPayload },
          };
          break;
        case "complete":
          yield {
            type: "done",
            promptTokens: ev.kind.value.usage?.promptTokens ?? 0,
            completionTokens: ev.kind.value.usage?.completionTokens ?? delivered,
            finishReason: ev.kind.value.finishReason,
          };
          return;
        case "error": {
          const edge = fromProviderStatus(ev.kind.value.statusCode, ev.kind.value.message);
          if (delivered > 0) throw new MidStreamError(edge, delivered);
          throw edge;
        }
        case undefined:
          break;
      }
    }
    throw new MidStreamError(
      new EdgeError(
        502,
        "server_error",
        "provider_error",
        "the provider stream ended without completing",
      ),
      delivered,
    );
  } catch (err) {
    throw relayFailure(err, delivered, true);
  }
}
