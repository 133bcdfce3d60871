import type { Client } from "@connectrpc/connect";
import {
  NonceGuard,
  ephemeralBoxKeys,
  openWithNonceGuard,
  sealWithSharedKey,
} from "@darkbloom/crypto";
import { type InferenceBody, type RoutingService, type TrustLevel } from "@darkbloom/proto";
import type { RequestClaim } from "../http/request-id.js";
import { decodeChunkPayload } from "./chunk-payload.js";
import { inferenceBodyBinary } from "./inference-body-binary.js";
import type { InferenceEvent } from "./inference-events.js";
import { relayFrames } from "./relay.js";
import { reserveProvider } from "./reserve-provider.js";

export interface InferenceInput {
  /** The coordinator's own id of this attempt (never the client's x-request-id). */
  requestId: string;
  /** The consumer's request id the hold claims (http/request-id.ts); absent: no claim. */
  claim?: RequestClaim;
  accountId: string;
  body: InferenceBody;
  estimatedPromptTokens: number;
  maxTokens: number;
  stream: boolean;
  minTrust: TrustLevel;
  signal: AbortSignal;
  /** The consumer's quantization allow-list (empty = any). */
  quantizations?: readonly string[];
  /** The consumer's `provider.sort` (throughput, latency, price); absent = the routing profile. */
  sort?: string;
  /** Called once a provider is reserved (the request's X-Timing `reserve` phase). */
  onReserved?: () => void;
  /** Keyed prefix block hashes for the prefix-affinity scorer (services/edge/src/prefix/). */
  prefixBlockHashes?: readonly Uint8Array[];
  /** The response's x-darkbloom-generation-id, recorded at settlement for usage lookups. */
  generationId?: string;
}

/**
 * Compat-mode inference: reserve a provider, seal the body to its key (and to each alternate's)
 * with a fresh ephemeral key, relay, and open each chunk. The shared keys live only for this call.
 */
export async function* runInference(
  routing: Client<typeof RoutingService>,
  input: InferenceInput,
): AsyncGenerator<InferenceEvent> {
  const reservation = await reserveProvider(routing, {
    requestId: input.requestId,
    model: input.body.model,
    estimatedPromptTokens: input.estimatedPromptTokens,
    maxTokens: input.maxTokens,
    stream: input.stream,
    accountId: input.body.accountId,
    minTrust: input.minTrust,
    ...(input.quantizations ? { quantizations: input.quantizations } : {}),
    ...(input.sort === undefined ? {} : { sort: input.sort }),
    ...(input.prefixBlockHashes ? { prefixBlockHashes: input.prefixBlockHashes } : {}),
  });

  input.onReserved?.();
  // One ephemeral key pair for the request, one shared key per candidate: the primary, then each
  // alternate (hedging/failover), whose copy of the body is sealed to its own key; `started`
  // names the provider that won, whose key then opens the chunks.
  const ephemeral = ephemeralBoxKeys([
    reservation.providerPublicKey,
    ...reservation.alternates.map((c) => c.providerPublicKey),
  ]);
  const primaryKey = ephemeral.sharedKeys[0] as Uint8Array;
  let sharedKey = primaryKey;
  const alternates = reservation.alternates.map((c, i) => ({
    candidate: c,
    key: ephemeral.sharedKeys[i + 1] as Uint8Array,
  }));
  let winner = { trustLevel: reservation.trustLevel, keyFingerprint: reservation.keyFingerprint };
  const guard = new NonceGuard();
  try {
    yield* relayFrames(
      () => {
        const plain = inferenceBodyBinary(input.body);
        return routing.infer(
          {
            reservationId: reservation.reservationId,
            requestId: input.requestId,
            senderPublicKey: ephemeral.publicKey,
            encryptedBody: sealWithSharedKey(sharedKey, plain),
            alternates: alternates.map((a) => ({
              providerId: a.candidate.providerId,
              senderPublicKey: ephemeral.publicKey,
              encryptedBody: sealWithSharedKey(a.key, plain),
            })),
          },
          { signal: input.signal },
        );
      },
      {
        started(started) {
          const startedOn = started.providerId;
          const alt = alternates.find((a) => a.candidate.providerId === startedOn);
          if (alt) {
            sharedKey = alt.key;
            winner = alt.candidate;
          } else if (startedOn === reservation.providerId) {
            // the primary again (run anew at its new replica after an alternate was announced)
            sharedKey = primaryKey;
            winner = {
              trustLevel: reservation.trustLevel,
              keyFingerprint: reservation.keyFingerprint,
            };
          }
          return {
            type: "started",
            providerId: started.providerId,
            providerAccountId: started.providerAccountId,
            trustLevel: winner.trustLevel,
            keyFingerprint: winner.keyFingerprint,
          };
        },
        chunk(chunk) {
          const payload = decodeChunkPayload(
            openWithNonceGuard(sharedKey, chunk.encryptedPayload, guard),
          );
          // Billing counts the frame's token count as the relay metered it, never the sealed
          // payload's own figure (the provider writes both; only the first is bounded).
          const tokens = chunk.tokenCount;
          const empty = !payload.text && tokens === 0 && !payload.toolCalls.length;
          if (empty && !payload.promptTokens) return { stopSequence: payload.stopSequence };
          return {
            stopSequence: payload.stopSequence,
            delta: {
              type: "delta",
              text: payload.text,
              tokens,
              toolCalls: payload.toolCalls,
              promptTokens: payload.promptTokens,
            },
          };
        },
      },
      false,
    );
  } finally {
    primaryKey.fill(0);
    for (const a of alternates) a.key.fill(0);
  }
}
