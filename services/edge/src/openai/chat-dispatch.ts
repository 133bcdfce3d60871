import { TrustLevel, type InferenceBody } from "@darkbloom/proto";
import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import { EdgeError } from "../errors/edge-error.js";
import { billedInference } from "../inference/billed-inference.js";
import type { InferenceEvent } from "../inference/run-inference.js";
import { minTrustHeader } from "../http/min-trust-header.js";
import { withPrefixRouting } from "../prefix/prefix-routing.js";
import { assertModelId } from "../routing-prefs/model-id.js";
import { parseRoutingPreferences } from "../routing-prefs/parse-preferences.js";
import {
  ledgerPrices,
  routeWithPreferences,
  type ModelAttempt,
} from "../routing-prefs/route-with-preferences.js";
import { awaitWithKeepAlive } from "../timing/keep-alive.js";
import { timedEvents } from "../timing/timed-events.js";

/** Where a request may run; the `provider` / `models` preferences fill this in. */
export interface RoutingPreferences {
  minTrust: TrustLevel;
}

export const DEFAULT_ROUTING: RoutingPreferences = { minTrust: TrustLevel.UNSPECIFIED };

/**
 * What every API shape (chat, completions, responses, messages) becomes once validated: the
 * provider-facing body plus the metadata routing and billing need.
 */
export interface InferencePlan {
  body: InferenceBody;
  maxTokens: number;
  estimatedPromptTokens: number;
  stream: boolean;
  routing: RoutingPreferences;
}

export interface Served {
  providerId: string;
  trustLevel: TrustLevel;
  keyFingerprint: string;
}

export interface Dispatched {
  served: Served;
  /** The model that serves the request (a `models` fallback when the first had no capacity). */
  model: string;
  /** The events after `started`: deltas, then one `done`. */
  events: AsyncGenerator<InferenceEvent>;
}

/**
 * Holds, routes and starts the inference; resolves once a provider has accepted it. The body's
 * `provider` / `models` routing preferences are honoured here, for every API shape. `onWaiting`
 * is called every keep-alive interval while the reservation waits (a stream sends its headers
 * and `: keep-alive` comments from it).
 */
export async function dispatch(
  ctx: EdgeContext,
  req: EdgeRequest,
  plan: InferencePlan,
  onWaiting?: () => Promise<void>,
): Promise<Dispatched> {
  assertModelId(plan.body.model, "model");
  const prefs = parseRoutingPreferences(req.json);
  const headerTrust = minTrustHeader(req.req.headers);
  return routeWithPreferences(
    ledgerPrices(ctx.ledger),
    req.claim.claimId,
    plan.body.model,
    prefs,
    (attempt) =>
      dispatchModel(
        ctx,
        req,
        plan,
        {
          ...attempt,
          minTrust: Math.max(plan.routing.minTrust, prefs.minTrust, headerTrust),
          quantizations: prefs.quantizations,
          sort: prefs.sort,
        },
        onWaiting,
      ),
  );
}

async function dispatchModel(
  ctx: EdgeContext,
  req: EdgeRequest,
  plan: InferencePlan,
  attempt: ModelAttempt & {
    minTrust: TrustLevel;
    quantizations: readonly string[];
    sort: string | undefined;
  },
  onWaiting: (() => Promise<void>) | undefined,
): Promise<Omit<Dispatched, "model">> {
  const prefix = withPrefixRouting(ctx.options.prefixHashSecret, req.principal.accountId, {
    ...plan.body,
    model: attempt.model,
  });
  const inference = billedInference(ctx, {
    requestId: attempt.requestId,
    claim: req.claim,
    generationId: req.generationId,
    accountId: req.principal.accountId,
    keyId: req.principal.keyId,
    ...(req.principal.limited === undefined ? {} : { keyLimited: req.principal.limited }),
    body: prefix.body,
    prefixBlockHashes: prefix.prefixBlockHashes,
    estimatedPromptTokens: plan.estimatedPromptTokens,
    maxTokens: plan.maxTokens,
    stream: plan.stream,
    minTrust: attempt.minTrust,
    quantizations: attempt.quantizations,
    sort: attempt.sort,
    onReserved: () => req.timing.mark("reserve"),
    signal: req.signal,
  });
  const events = timedEvents(inference, req.timing);
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
