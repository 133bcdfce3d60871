import type { Client } from "@connectrpc/connect";
import { TrustLevel, type RoutingService } from "@darkbloom/proto";
import type { InferenceEvent } from "./inference-events.js";
import { relayFrames } from "./relay.js";

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
 * and the provider's still-sealed chunks. The same relay and events as run-inference.ts (compat
 * mode), so the same money sequence, start and stream run it; a delta carries its sealed payload
 * instead of text, and only the relay's metadata (token counts, finish reason, usage) is read.
 */
export function relaySealed(
  routing: Client<typeof RoutingService>,
  submission: SealedSubmission,
): AsyncGenerator<InferenceEvent> {
  return relayFrames(
    () =>
      routing.infer(
        {
          reservationId: submission.reservationId,
          requestId: submission.requestId,
          senderPublicKey: submission.senderPublicKey,
          encryptedBody: submission.encryptedBody,
        },
        { signal: submission.signal },
      ),
    {
      started: (started) => ({
        type: "started",
        providerId: started.providerId,
        providerAccountId: started.providerAccountId,
        // The client checked the provider's key and trust when it reserved (sealed-reserve.ts);
        // sealed mode's stream names only the provider.
        trustLevel: TrustLevel.UNSPECIFIED,
        keyFingerprint: "",
      }),
      chunk: (chunk) => ({
        delta: {
          type: "delta",
          text: "",
          tokens: chunk.tokenCount,
          toolCalls: [],
          promptTokens: 0,
          sealed: { sequence: chunk.sequence, payload: chunk.encryptedPayload },
        },
      }),
    },
    true,
  );
}
