import type {
  Heartbeat,
  InferResponse,
  InferenceRequest,
  ProviderFrame,
  Register,
  TrustLevel,
} from "@darkbloom/proto";
import type { AsyncQueue } from "../async-queue.js";
import type { SessionState } from "../gateway/provider-session.js";
import type { SessionTrust } from "@darkbloom/session-trust";

/**
 * A provider the router, the relay and the warm-pool controller may act on: a socket of this replica
 * (ProviderSession) or one held by a peer replica (RemoteProvider, through presence and forwarding).
 */
export interface ProviderHandle {
  readonly id: string;
  /** `local`: the socket is on this replica; otherwise the owner replica's id. */
  readonly ownerReplicaId: string;
  /** Only a `registered` handle is dispatched to. */
  readonly state: SessionState;
  readonly register: Register | undefined;
  readonly heartbeat: Heartbeat | undefined;
  readonly lastHeartbeatMs: number;
  readonly operatorAccountId: string;
  /** Bumped whenever anything a scheduler view reads changes (the router caches views on it). */
  readonly changeCount: number;
  readonly inFlightCount: number;
  readonly trustLevel: TrustLevel;
  readonly trust: SessionTrust;
  /** Told to reconnect to another replica (GoAway): chosen for nothing new. */
  readonly moving: boolean;
  /**
   * A peer's provider whose replica could not run a forwarded request (unreachable, or no longer
   * holding the provider): the provider is likely on its way to another replica.
   */
  readonly unreachable?: boolean;
  unseenFor(model: string): { requests: number; tokens: number };
  /** Requests of a model the last heartbeat counted that have ended since (see ProviderSession). */
  endedSinceHeartbeat(model: string): number;
  hasModel(model: string): boolean;
  inFlightRequestIds(): string[];
  /** Sends a request to the provider; the returned queue carries its chunks and final event. */
  dispatch(request: InferenceRequest): AsyncQueue<InferResponse>;
  /** Stops a request and forgets it; later frames for it are ignored. */
  cancel(requestId: string, reason: string): void;
  /** A control frame (LoadModel, UnloadModel, RuntimeStatus). */
  send(frame: ProviderFrame): void;
  /** Whether the provider answers a liveness probe (a remote one defers to its owner: false). */
  probe(timeoutMs: number): Promise<boolean>;
  close(reason: string): void;
}
