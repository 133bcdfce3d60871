import { createHash, timingSafeEqual } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { RoutingService } from "@darkbloom/proto";

/** The header a replica sends its peer secret in (never a consumer's or admin's key). */
export const PEER_SECRET_HEADER = "darkbloom-peer-secret";

/** RoutingService methods only replicas may call. */
const PEER_METHODS: ReadonlySet<unknown> = new Set([
  RoutingService.method.forwardInfer,
  RoutingService.method.sendProviderFrame,
  RoutingService.method.inferReserved,
]);

/**
 * RoutingService methods no caller on the wire may use: SupplyAlternate hands routing the body of
 * a request the edge in this process is running; from outside it would let a caller (an admin, a
 * peer) put another body into a stranger's request.
 */
const IN_PROCESS_METHODS: ReadonlySet<unknown> = new Set([RoutingService.method.supplyAlternate]);

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

/**
 * The peer secret's check: constant-time over SHA-256 digests (so unequal lengths leak nothing
 * either), the secret's own digest computed once — one hash of the given value per call. An empty
 * secret matches nothing.
 */
export interface PeerSecretCheck {
  readonly enabled: boolean;
  matches(given: string): boolean;
}

export function peerSecretCheck(secret: string): PeerSecretCheck {
  const expected = digest(secret);
  return {
    enabled: secret.length > 0,
    matches: (given) => secret.length > 0 && timingSafeEqual(expected, digest(given)),
  };
}

/**
 * Peer methods answer only to the peer secret (and are off without one); in-process methods to no
 * one on the wire; every other method goes through `others` (the admin check). A consumer's or
 * admin's key never reaches a peer method.
 */
export function requirePeerOrElse(secret: string, others: Interceptor): Interceptor {
  const check = peerSecretCheck(secret);
  return (next) => {
    const guarded = others(next);
    return async (req) => {
      if (IN_PROCESS_METHODS.has(req.method))
        throw new ConnectError(
          `${req.method.name} answers only the edge in this process`,
          Code.PermissionDenied,
        );
      if (!PEER_METHODS.has(req.method)) return guarded(req);
      if (!secret)
        throw new ConnectError(
          "peer calls are off on this replica (DARKBLOOM_PEERS)",
          Code.PermissionDenied,
        );
      if (!check.matches(req.header.get(PEER_SECRET_HEADER) ?? ""))
        throw new ConnectError("this method answers only to a peer replica", Code.Unauthenticated);
      return next(req);
    };
  };
}
