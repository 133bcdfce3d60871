import type {
  ForwardInferRequest,
  ForwardInferResponse,
  InferRequest,
  InferReservedResponse,
  ProviderFrame,
} from "@darkbloom/proto";
import type { AsyncQueue } from "../async-queue.js";

/** Where a peer replica is reached (its DARKBLOOM_ADVERTISE_URL, from presence). */
export interface PeerAddress {
  replicaId: string;
  url: string;
}

/**
 * How this replica reaches its peers' RoutingService (the coordinator implements it over h2c with
 * the peer secret). Routing only needs these two calls.
 */
export interface PeerLink {
  /**
   * Streams the owner's events for a forwarded request; aborting `signal` closes the stream. An
   * AsyncQueue (the coordinator's link returns one) is drained without a promise per event.
   */
  forward(
    peer: PeerAddress,
    req: ForwardInferRequest,
    signal: AbortSignal,
  ): AsyncIterable<ForwardInferResponse> | AsyncQueue<ForwardInferResponse>;
  /** Runs Infer at the peer that made the reservation; aborting `signal` cancels it there. */
  inferReserved(
    peer: PeerAddress,
    req: InferRequest,
    signal: AbortSignal,
  ): AsyncIterable<InferReservedResponse>;
  /** Sends LoadModel/UnloadModel to a provider the peer holds; false when it no longer does. */
  sendFrame(peer: PeerAddress, providerId: string, frame: ProviderFrame): Promise<boolean>;
}

/** This replica's peers as routing sees them: the link and where each live replica is. */
export interface Peers {
  replicaId: string;
  link: PeerLink;
  /** A live peer's address; undefined for this replica, an unknown or a dead one. */
  addressOf(replicaId: string): PeerAddress | undefined;
}
