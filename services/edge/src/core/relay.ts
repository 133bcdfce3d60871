import { Code, ConnectError } from "@connectrpc/connect";
import { CryptoError } from "@darkbloom/crypto";
import type { AlternateWanted, Chunk, InferResponse, InferStarted } from "@darkbloom/proto";
import { EdgeError } from "../errors/edge-error.js";
import { fromProviderStatus, toEdgeError } from "../errors/from-connect.js";
import { reservationExpired } from "../errors/reservation-expired.js";
import { MidStreamError, type InferenceEvent } from "./inference-events.js";

type StartedEvent = Extract<InferenceEvent, { type: "started" }>;
type DeltaEvent = Extract<InferenceEvent, { type: "delta" }>;

/** How one mode reads routing's frames: compat mode opens each chunk, sealed mode passes it on. */
export interface FrameReader {
  started(frame: InferStarted): StartedEvent;
  /** The chunk as a delta (none: nothing worth passing on) and the stop string it names. */
  chunk(frame: Chunk): { delta?: DeltaEvent; stopSequence?: string };
  /** Routing asks for the body sealed to an alternate (compat mode only: sealed mode cannot seal). */
  alternateWanted?(frame: AlternateWanted): void;
}

/**
 * A mode's own steps around the relay (compat mode: reserve a provider and derive the keys; then
 * wipe them), outside the relay's error mapping: what `prepare` throws reaches the consumer as it
 * is, and `cleanup` runs once the relay ends however it ends (only if `prepare` succeeded). Run by
 * the relay rather than by a generator around it: one async layer fewer per relayed chunk.
 */
export interface RelaySetup {
  prepare(): Promise<void>;
  cleanup(): void;
}

/**
 * Relays routing's Infer frames as inference events, the same for both modes: deltas with the
 * relay's metered token counts, one `done` with the provider's usage, or the provider's error;
 * `open` is called inside so that a failure to start is mapped like any other.
 */
export async function* relayFrames(
  open: () => AsyncIterable<InferResponse>,
  reader: FrameReader,
  sealedMode: boolean,
  setup?: RelaySetup,
): AsyncGenerator<InferenceEvent> {
  await setup?.prepare();
  let delivered = 0;
  let stopSequence = "";
  // Read (compat: opened and authenticated) before it counts as delivered.
  const read = (chunk: Chunk): DeltaEvent | undefined => {
    const r = reader.chunk(chunk);
    delivered += chunk.tokenCount;
    stopSequence = r.stopSequence || stopSequence;
    return r.delta;
  };
  try {
    for await (const ev of open()) {
      switch (ev.kind.case) {
        case "started":
          yield reader.started(ev.kind.value);
          break;
        case "chunk": {
          const delta = read(ev.kind.value);
          if (delta) yield delta;
          break;
        }
        case "chunks": {
          const deltas: DeltaEvent[] = [];
          try {
            for (const chunk of ev.kind.value.chunks) {
              const delta = read(chunk);
              if (delta) deltas.push(delta);
            }
          } catch (err) {
            // the chunks read before the one that failed reach the consumer first, as one by one
            if (deltas.length > 0) yield batchOf(deltas);
            throw err;
          }
          if (deltas.length > 0) yield batchOf(deltas);
          break;
        }
        case "alternateWanted":
          reader.alternateWanted?.(ev.kind.value);
          break;
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
    throw relayFailure(err, delivered, sealedMode);
  } finally {
    setup?.cleanup();
  }
}

/** One delta as itself, several as one `deltas` event. */
function batchOf(deltas: DeltaEvent[]): InferenceEvent {
  return deltas.length === 1 ? (deltas[0] as DeltaEvent) : { type: "deltas", deltas };
}

/**
 * A relay's failure as the consumer sees it: a reservation that expired (or whose replica went
 * away) before the start, a chunk that failed authentication, or the routing error; once tokens
 * were delivered, wrapped so the money sequence knows how many.
 */
function relayFailure(err: unknown, delivered: number, sealedMode: boolean): Error {
  if (err instanceof EdgeError || err instanceof MidStreamError) return err;
  const expired = delivered === 0 && ConnectError.from(err).code === Code.FailedPrecondition;
  const edge = expired
    ? reservationExpired(sealedMode)
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
  return delivered > 0 ? new MidStreamError(edge, delivered) : edge;
}
