import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import {
  NonceGuard,
  boxBeforenm,
  generateKeyPair,
  openWithNonceGuard,
  sealWithSharedKey,
  CryptoError,
} from "@darkbloom/crypto";
import {
  FinishReason,
  InferenceBodySchema,
  RoutingMetadataSchema,
  type InferenceBody,
  type RoutingService,
  type ToolCallDelta,
  type TrustLevel,
} from "@darkbloom/proto";
import { EdgeError } from "../errors/edge-error.js";
import { fromProviderStatus, toEdgeError } from "../errors/from-connect.js";
import { reservationExpired } from "../errors/reservation-expired.js";
import { decodeChunkPayload } from "./chunk-payload.js";
import type { RequestClaim } from "../http/request-id.js";

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

export type InferenceEvent =
  | {
      type: "started";
      providerId: string;
      trustLevel: TrustLevel;
      keyFingerprint: string;
      /** The operator account the provider earns for; empty for a tokenless provider. */
      providerAccountId: string;
    }
  | {
      type: "delta";
      text: string;
      tokens: number;
      toolCalls: readonly ToolCallDelta[];
      /**
       * The prompt's token count, reported by the provider in its first chunk (0 otherwise);
       * billedInference bounds it by the request's prompt estimate.
       */
      promptTokens: number;
    }
  | {
      type: "done";
      promptTokens: number;
      completionTokens: number;
      finishReason: FinishReason;
      /** The stop string that ended generation, when one did. */
      stopSequence?: string;
      /** What the consumer was charged, once settled (set by billedInference). */
      costMicroUsd?: bigint;
    };

/** Failure after the provider started producing output: what was delivered is known. */
export class MidStreamError extends Error {
  constructor(
    readonly edge: EdgeError,
    readonly deliveredTokens: number,
  ) {
    super(edge.message, { cause: edge });
    this.name = "MidStreamError";
  }
}

/**
 * Compat-mode inference: reserve a provider, seal the body to its key with a fresh ephemeral key,
 * relay, and open each chunk. The shared key lives only for this call.
 */
export async function* runInference(
  routing: Client<typeof RoutingService>,
  input: InferenceInput,
): AsyncGenerator<InferenceEvent> {
  const reservation = await routing
    .reserve({
      requestId: input.requestId,
      minTrust: input.minTrust,
      quantizations: [...(input.quantizations ?? [])],
      sort: input.sort ?? "",
      metadata: create(RoutingMetadataSchema, {
        model: input.body.model,
        estimatedPromptTokens: input.estimatedPromptTokens,
        maxTokens: input.maxTokens,
        stream: input.stream,
        accountId: input.body.accountId,
        prefixBlockHashes: [...(input.prefixBlockHashes ?? [])],
      }),
    })
    .catch((err: unknown) => {
      const ce = ConnectError.from(err);
      if (ce.code === Code.NotFound) {
        throw new EdgeError(
          404,
          "invalid_request_error",
          "model_not_found",
          `The model '${input.body.model}' does not exist or has no provider online`,
          "model",
        );
      }
      if (ce.code === Code.FailedPrecondition)
        throw new EdgeError(503, "server_error", "no_capacity", ce.rawMessage);
      throw toEdgeError(err);
    });

  input.onReserved?.();
  const ephemeral = generateKeyPair();
  const primaryKey = boxBeforenm(reservation.providerPublicKey, ephemeral.secretKey);
  let sharedKey = primaryKey;
  ephemeral.secretKey.fill(0);
  // Hedging/failover: the body is also sealed to each alternate provider with its own ephemeral
  // key; `started` names the provider that won, whose key then opens the chunks.
  const alternates = reservation.alternates.map((c) => {
    const eph = generateKeyPair();
    const key = boxBeforenm(c.providerPublicKey, eph.secretKey);
    eph.secretKey.fill(0);
    return { candidate: c, senderPublicKey: eph.publicKey, key };
  });
  let winner = { trustLevel: reservation.trustLevel, keyFingerprint: reservation.keyFingerprint };
  const guard = new NonceGuard();
  let delivered = 0;
  let stopSequence = "";
  try {
    const plain = toBinary(InferenceBodySchema, input.body);
    const sealed = sealWithSharedKey(sharedKey, plain);
    const events = routing.infer(
      {
        reservationId: reservation.reservationId,
        requestId: input.requestId,
        senderPublicKey: ephemeral.publicKey,
        encryptedBody: sealed,
        alternates: alternates.map((a) => ({
          providerId: a.candidate.providerId,
          senderPublicKey: a.senderPublicKey,
          encryptedBody: sealWithSharedKey(a.key, plain),
        })),
      },
      { signal: input.signal },
    );
    for await (const ev of events) {
      switch (ev.kind.case) {
        case "started": {
          const startedOn = ev.kind.value.providerId;
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
          yield {
            type: "started",
            providerId: ev.kind.value.providerId,
            providerAccountId: ev.kind.value.providerAccountId,
            trustLevel: winner.trustLevel,
            keyFingerprint: winner.keyFingerprint,
          };
          break;
        }
        case "chunk": {
          const payload = decodeChunkPayload(
            openWithNonceGuard(sharedKey, ev.kind.value.encryptedPayload, guard),
          );
          // Billing counts the frame's token count as the relay metered it, never the sealed
          // payload's own figure (the provider writes both; only the first is bounded).
          const tokens = ev.kind.value.tokenCount;
          delivered += tokens;
          stopSequence = payload.stopSequence || stopSequence;
          const empty = !payload.text && tokens === 0 && !payload.toolCalls.length;
          if (empty && !payload.promptTokens) break;
          yield {
            type: "delta",
            text: payload.text,
            tokens,
            toolCalls: payload.toolCalls,
            promptTokens: payload.promptTokens,
          };
          break;
        }
        case "complete":
          yield {
            type: "done",
            promptTokens: ev.kind.value.usage?.promptTokens ?? 0,
            completionTokens: ev.kind.value.usage?.completionTokens ?? delivered,
            finishReason: ev.kind.value.finishReason,
            ...(stopSequence ? { stopSequence } : {}),
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
    if (err instanceof EdgeError || err instanceof MidStreamError) throw err;
    // Routing refuses a reservation that expired (or whose replica went away) before the start.
    const expired = delivered === 0 && ConnectError.from(err).code === Code.FailedPrecondition;
    const edge = expired
      ? reservationExpired(false)
      : err instanceof CryptoError
        ? new EdgeError(
            502,
            "server_error",
            "provider_error",
            "a response chunk failed authentication",
            null,
            {},
            { cause: err },
          )
        : toEdgeError(err);
    if (delivered > 0) throw new MidStreamError(edge, delivered);
    throw edge;
  } finally {
    primaryKey.fill(0);
    for (const a of alternates) a.key.fill(0);
  }
}
