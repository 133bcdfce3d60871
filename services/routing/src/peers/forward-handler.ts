import { Code, ConnectError } from "@connectrpc/connect";
import {
  type ForwardInferRequest,
  type ForwardInferResponse,
  type InferResponse,
  type SendProviderFrameRequest,
} from "@darkbloom/proto";
import type { ProviderHandle } from "../registry/provider-handle.js";
import type { ProviderRegistry } from "../registry/provider-registry.js";

/** The provider's socket when this replica holds it (a peer forwards only to the owner). */
function ownedSession(registry: ProviderRegistry, providerId: string): ProviderHandle | undefined {
  const s = registry.get(providerId);
  return s && s.ownerReplicaId === "local" && s.state.kind === "registered" ? s : undefined;
}

/** The session and request a forwarded call may dispatch, or the ConnectError that refuses it. */
function forwardable(registry: ProviderRegistry, req: ForwardInferRequest) {
  const session = ownedSession(registry, req.providerId);
  if (!session)
    throw new ConnectError(`provider ${req.providerId} is not connected here`, Code.Unavailable);
  const request = req.request;
  if (!request?.requestId)
    throw new ConnectError("request.request_id is required", Code.InvalidArgument);
  return { session, request, requestId: request.requestId };
}

/**
 * The owner replica's side of a forwarded request: dispatches it (still sealed) on the local
 * session and streams the session's events back. The peer closing the stream (its consumer went
 * away, another provider won, the peer died) cancels the request at the provider.
 */
export async function* forwardInfer(
  registry: ProviderRegistry,
  req: ForwardInferRequest,
  signal: AbortSignal,
): AsyncGenerator<ForwardInferResponse> {
  const { session, request, requestId } = forwardable(registry, req);
  const events = session.dispatch(request);
  let ended = false;
  const onAbort = (): void => {
    if (!ended) session.cancel(requestId, "the forwarding replica went away");
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    // the message create() builds, without its reflection (once per forwarded chunk)
    for await (const event of events)
      yield { $typeName: "darkbloom.v1.ForwardInferResponse", event };
    ended = true;
  } finally {
    signal.removeEventListener("abort", onAbort);
    // A stream closed early by the peer: the provider stops too.
    if (!ended) session.cancel(requestId, "the forwarding replica went away");
  }
}

/** Where `forwardInferTo` hands the owner session's events, synchronously as they arrive. */
export interface ForwardSink {
  event(event: InferResponse): void;
  /** Once: the request finished (its last event was handed over) or was cancelled. */
  end(): void;
}

/**
 * `forwardInfer` without an async generator (no promise per relayed event): validates and
 * dispatches the still-sealed request on the local session, then hands every event to `sink` as
 * the session produces it. Throws a ConnectError before dispatching when this replica does not hold
 * the provider or the request has no id. The returned `cancel` is for the peer closing the stream
 * early: it cancels the request at the provider (nothing once the request has ended).
 */
export function forwardInferTo(
  registry: ProviderRegistry,
  req: ForwardInferRequest,
  sink: ForwardSink,
): () => void {
  const { session, request, requestId } = forwardable(registry, req);
  let ended = false;
  session.dispatch(request).drainTo(
    (event) => sink.event(event),
    () => {
      ended = true;
      sink.end();
    },
  );
  return () => {
    if (ended) return;
    ended = true;
    session.cancel(requestId, "the forwarding replica went away");
  };
}

/** LoadModel/UnloadModel from a peer's warm-pool controller to a provider this replica holds. */
export function sendProviderFrame(
  registry: ProviderRegistry,
  req: SendProviderFrameRequest,
): { sent: boolean } {
  const session = ownedSession(registry, req.providerId);
  const kind = req.frame?.kind.case;
  if (kind !== "loadModel" && kind !== "unloadModel")
    throw new ConnectError(
      "only loadModel and unloadModel frames are forwarded",
      Code.InvalidArgument,
    );
  if (!session || !req.frame) return { sent: false };
  session.send(req.frame);
  return { sent: true };
}
