import { TrustLevel } from "@darkbloom/proto";
import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import { EdgeError } from "../errors/edge-error.js";
import { awaitWithKeepAlive } from "../timing/keep-alive.js";
import { timedEvents } from "../timing/timed-events.js";
import { billedInference } from "./billed-inference.js";
import type { MoneyOrder } from "./request-money.js";
import type { InferenceEvent } from "./inference-events.js";

export interface Served {
  providerId: string;
  trustLevel: TrustLevel;
  keyFingerprint: string;
}

export interface Started {
  served: Served;
  /** The events after `started`: deltas, then one `done`. */
  events: AsyncGenerator<InferenceEvent>;
}

/**
 * The start every inference shares, compat and sealed mode alike: the money sequence's hold
 * (billed-inference.ts) around the relay, the request's timing marks, and a wait for the
 * provider's `started` event. Resolves once a provider has accepted the request; `onWaiting` is
 * called every keep-alive interval while it waits (a stream sends its headers and `: keep-alive`
 * comments from it).
 */
export async function startInference(
  ctx: EdgeContext,
  req: EdgeRequest,
  order: MoneyOrder & { generationId?: string },
  relay: () => AsyncIterable<InferenceEvent>,
  onWaiting?: () => Promise<void>,
): Promise<Started> {
  const events = timedEvents(billedInference(ctx, order, relay), req.timing);
  // The reservation may wait in the routing queue; a stream keeps its consumer's proxies alive.
  const first = await awaitWithKeepAlive(events.next(), req.keepAliveIntervalMs, onWaiting);
  if (first.done || first.value.type !== "started") {
    await events.return(undefined);
    throw new EdgeError(502, "server_error", "provider_error", "inference produced no start event");
  }
  return { served: first.value, events };
}

/** Headers saying what served the request, plus the echoed request id. */
export function servedHeaders(served: Served, requestId: string): Record<string, string> {
  return {
    "x-darkbloom-provider": served.providerId,
    "x-darkbloom-trust-level": TrustLevel[served.trustLevel]?.toLowerCase() ?? "unspecified",
    "x-darkbloom-key-fingerprint": served.keyFingerprint,
    "x-request-id": requestId,
  };
}
