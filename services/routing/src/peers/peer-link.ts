import type { ForwardInferRequest, ForwardInferResponse, ProviderFrame } from "@darkbloom/proto";

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
  /** Streams the owner's events for a forwarded request; aborting `signal` closes the stream. */
  forward(
    peer: PeerAddress,
    req: ForwardInferRequest,
    signal: AbortSignal,
  ): AsyncIterable<ForwardInferResponse>;
  /** Sends LoadModel/UnloadModel to a provider the peer holds; false when it no longer does. */
  sendFrame(peer: PeerAddress, providerId: string, frame: ProviderFrame): Promise<boolean>;
}
