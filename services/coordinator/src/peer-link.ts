import type { Client } from "@connectrpc/connect";
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";
import { RoutingService } from "@darkbloom/proto";
import type { PeerLink } from "@darkbloom/routing";
import { createLeanClient } from "./lean-client.js";
import { PEER_SECRET_HEADER } from "./peer-secret.js";

export interface PeerLinks extends PeerLink {
  close(): void;
}

/**
 * Reaches peer replicas' RoutingService over gRPC on h2c: one HTTP/2 connection per peer address,
 * kept open and shared by every forwarded stream, each call carrying the peer secret.
 */
export function createPeerLinks(secret: string): PeerLinks {
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
    forward: (peer, req, signal) => clientFor(peer.url).forwardInfer(req, { signal }),
    inferReserved: (peer, request, signal) =>
      clientFor(peer.url).inferReserved({ request }, { signal }),
    async sendFrame(peer, providerId, frame) {
      return (await clientFor(peer.url).sendProviderFrame({ providerId, frame })).sent;
    },
    close() {
      for (const { manager } of peers.values()) manager.abort();
      peers.clear();
    },
  };
}
