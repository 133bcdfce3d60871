import type { Client } from "@connectrpc/connect";
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";
import { RoutingService } from "@darkbloom/proto";
import type { PeerLink } from "@darkbloom/routing";
import { createLeanClient } from "./lean-client.js";
import { PeerForwardClient } from "./peer-forward-client.js";
import { PEER_SECRET_HEADER } from "./peer-secret.js";

export interface PeerLinks extends PeerLink {
  close(): void;
}

/** Largest forwarded event accepted from a peer (a chunk is a few hundred bytes). */
const MAX_EVENT_BYTES = 16 << 20;

/**
 * How long a ForwardInfer stream opened ahead of its call may wait for it: well within the peer's
 * request timeout (DARKBLOOM_REQUEST_TIMEOUT_MS, the same on every replica of a cluster), after
 * which the peer would reset a stream whose request has not arrived.
 */
const preparedMaxAgeMs = (requestTimeoutMs: number): number =>
  Math.min(5_000, Math.floor(requestTimeoutMs / 4));

/**
 * Reaches peer replicas' RoutingService over gRPC on h2c, each call carrying the peer secret:
 * ForwardInfer (once per forwarded request, a message per chunk) on the lean client of
 * peer-forward-client.ts, the rare calls (InferReserved, SendProviderFrame) through Connect. Each
 * keeps one HTTP/2 connection per peer address, shared by all its calls.
 */
export function createPeerLinks(secret: string, requestTimeoutMs: number): PeerLinks {
  const forwarder = new PeerForwardClient({
    secret,
    pingIntervalMs: 5_000,
    pingTimeoutMs: 5_000,
    maxMessageBytes: MAX_EVENT_BYTES,
    preparedMaxAgeMs: preparedMaxAgeMs(requestTimeoutMs),
  });
  const peers = new Map<
    string,
    { manager: Http2SessionManager; client: Client<typeof RoutingService> }
  >();
  const clientFor = (url: string): Client<typeof RoutingService> => {
    let peer = peers.get(url);
    if (!peer) {
      const manager = new Http2SessionManager(url, { pingIntervalMs: 5_000, pingTimeoutMs: 5_000 });
      const transport = createGrpcTransport({
        baseUrl: url,
        sessionManager: manager,
        interceptors: [
          (next) => (req) => {
            req.header.set(PEER_SECRET_HEADER, secret);
            return next(req);
          },
        ],
      });
      peers.set(url, (peer = { manager, client: createLeanClient(RoutingService, transport) }));
    }
    return peer.client;
  };
  return {
    forward: (peer, req, signal) => forwarder.forward(peer.url, req, signal),
    inferReserved: (peer, request, signal) =>
      clientFor(peer.url).inferReserved({ request }, { signal }),
    async sendFrame(peer, providerId, frame) {
      return (await clientFor(peer.url).sendProviderFrame({ providerId, frame })).sent;
    },
    close() {
      forwarder.close();
      for (const { manager } of peers.values()) manager.abort();
      peers.clear();
    },
  };
}
