import { ConnectError, type Client } from "@connectrpc/connect";
import { NonceGuard, openWithNonceGuard, sealWithSharedKey } from "@darkbloom/crypto";
import {
  type AlternateWanted,
  type Chunk,
  type InferResponse,
  type InferStarted,
  type InferenceBody,
  type ReserveResponse,
  type RoutingService,
  type TrustLevel,
} from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import type { RequestClaim } from "../http/request-id.js";
import { decodeChunkPayload } from "./chunk-payload.js";
import { EphemeralBoxKeys } from "./ephemeral-box-keys.js";
import { inferenceBodyBinary } from "./inference-body-binary.js";
import type { InferenceEvent } from "./inference-events.js";
import { relayFrames, type FrameReader, type RelaySetup } from "./relay.js";
import { reserveProvider } from "./reserve-provider.js";

type StartedEvent = Extract<InferenceEvent, { type: "started" }>;
type DeltaEvent = Extract<InferenceEvent, { type: "delta" }>;

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
  /** Where a refused alternate supply is noted (routing counts the alternate it then skips). */
  log?: Logger;
}

/**
 * Compat-mode inference: reserve a provider, seal the body to its key with a fresh ephemeral key,
 * relay, and open each chunk. The alternates (hedging, failover) are sealed to only when routing
 * asks for one (`alternate_wanted`, answered by SupplyAlternate): most requests never need them.
 * The shared keys live only for this call. The relay itself (relayFrames) runs these steps around
 * it: no generator of its own per chunk.
 */
export function runInference(
  routing: Client<typeof RoutingService>,
  input: InferenceInput,
): AsyncGenerator<InferenceEvent> {
  const compat = new CompatRelay(routing, input);
  return relayFrames(() => compat.open(), compat, false, compat);
}

type Winner = Pick<ReserveResponse, "trustLevel" | "keyFingerprint">;

/** The process's sender keys, made ahead for the providers it seals to. */
const boxKeys = new EphemeralBoxKeys();

/** One compat-mode request's reservation and keys: its relay's setup and frame reader. */
class CompatRelay implements FrameReader, RelaySetup {
  #reservation: ReserveResponse | undefined;
  #publicKey: Uint8Array = new Uint8Array(0);
  #primaryKey: Uint8Array = new Uint8Array(0);
  /** The key of the provider announced last (`started`): it opens the chunks. */
  #sharedKey: Uint8Array = new Uint8Array(0);
  /** The alternates routing asked for, each with the key its copy was sealed with. */
  #alternates: { candidate: ReserveResponse["alternates"][number]; key: Uint8Array }[] = [];
  #winner: Winner = { trustLevel: 0, keyFingerprint: "" };
  readonly #guard = new NonceGuard();

  constructor(
    private readonly routing: Client<typeof RoutingService>,
    private readonly input: InferenceInput,
  ) {}

  async prepare(): Promise<void> {
    const input = this.input;
    const reservation = await reserveProvider(this.routing, {
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
    // An ephemeral key pair for the primary only (one agreement, most often made ahead:
    // ephemeral-box-keys.ts); `started` names the provider that won, whose key then opens the
    // chunks.
    const ephemeral = boxKeys.take(reservation.providerPublicKey);
    this.#reservation = reservation;
    this.#publicKey = ephemeral.publicKey;
    this.#primaryKey = this.#sharedKey = ephemeral.sharedKey;
    this.#winner = reservation;
  }

  cleanup(): void {
    this.#primaryKey.fill(0);
    for (const a of this.#alternates) a.key.fill(0);
  }

  open(): AsyncIterable<InferResponse> {
    const input = this.input;
    const reservation = this.#reservation as ReserveResponse;
    const plain = inferenceBodyBinary(input.body);
    return this.routing.infer(
      {
        reservationId: reservation.reservationId,
        requestId: input.requestId,
        senderPublicKey: this.#publicKey,
        encryptedBody: sealWithSharedKey(this.#primaryKey, plain),
        alternatesOnDemand: true,
      },
      { signal: input.signal },
    );
  }

  /**
   * Routing runs the request on an alternate (a hedge, or failover before the first token): seal
   * the body to it and supply it. A fresh ephemeral key pair per alternate rather than the
   * request's: the ephemeral secret is never kept past its one agreement (EphemeralBoxKeys
   * never holds it), only the shared keys, which cleanup() wipes. A refused supply (the request
   * ended or no longer needs it) changes nothing here: routing skips the alternate and counts it.
   */
  alternateWanted(want: AlternateWanted): void {
    const reservation = this.#reservation as ReserveResponse;
    const candidate = reservation.alternates.find((c) => c.providerId === want.providerId);
    if (!candidate) {
      this.input.log?.warn("routing asked for a body for a provider the reservation did not name", {
        requestId: this.input.requestId,
        providerId: want.providerId,
      });
      return;
    }
    const ephemeral = boxKeys.take(candidate.providerPublicKey);
    // Asked again (its first copy never ran): the new copy's key replaces the old one.
    const asked = this.#alternates.find((a) => a.candidate === candidate);
    if (asked) {
      asked.key.fill(0);
      asked.key = ephemeral.sharedKey;
    } else this.#alternates.push({ candidate, key: ephemeral.sharedKey });
    this.routing
      .supplyAlternate(
        {
          requestId: this.input.requestId,
          alternate: {
            providerId: candidate.providerId,
            senderPublicKey: ephemeral.publicKey,
            encryptedBody: sealWithSharedKey(
              ephemeral.sharedKey,
              inferenceBodyBinary(this.input.body),
            ),
          },
        },
        { signal: this.input.signal },
      )
      .catch((err: unknown) =>
        this.input.log?.warn("alternate body refused by routing", {
          requestId: this.input.requestId,
          providerId: candidate.providerId,
          code: ConnectError.from(err).code,
        }),
      );
  }

  started(started: InferStarted): StartedEvent {
    const reservation = this.#reservation as ReserveResponse;
    const startedOn = started.providerId;
    const alt = this.#alternates.find((a) => a.candidate.providerId === startedOn);
    if (alt) {
      this.#sharedKey = alt.key;
      this.#winner = alt.candidate;
    } else if (startedOn === reservation.providerId) {
      // the primary again (run anew at its new replica after an alternate was announced)
      this.#sharedKey = this.#primaryKey;
      this.#winner = reservation;
    }
    return {
      type: "started",
      providerId: started.providerId,
      providerAccountId: started.providerAccountId,
      trustLevel: this.#winner.trustLevel,
      keyFingerprint: this.#winner.keyFingerprint,
    };
  }

  chunk(chunk: Chunk): { delta?: DeltaEvent; stopSequence?: string } {
    const payload = decodeChunkPayload(
      openWithNonceGuard(this.#sharedKey, chunk.encryptedPayload, this.#guard),
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
  }
}
