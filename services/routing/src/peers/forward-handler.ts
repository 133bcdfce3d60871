import { Code, ConnectError } from "@connectrpc/connect";
import {
  type ForwardInferRequest,
  type ForwardInferResponse,
  type SendProviderFrameRequest,
} from "@darkbloom/proto";
import type { ProviderHandle } from "../registry/provider-handle.js";
import type { ProviderRegistry } from "../registry/provider-registry.js";

/** The provider's socket when this replica holds it (a peer forwards only to the owner). */
function ownedSession(registry: ProviderRegistry, providerId: string): ProviderHandle | undefined {
  const s = registry.get(providerId);
  return s && s.ownerReplicaId === "local" && s.state.kind === "registered" ? s : undefined;
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
  const session = ownedSession(registry, req.providerId);
  if (!session)
    throw new ConnectError(`provider ${req.providerId} is not connected here`, Code.Unavailable);
  if (!req.request?.requestId)
    throw new ConnectError("request.request_id is required", Code.InvalidArgument);
  const requestId = req.request.requestId;
  const events = session.dispatch(req.request);
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
