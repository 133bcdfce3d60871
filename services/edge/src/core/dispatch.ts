import type { TrustLevel } from "@darkbloom/proto";
import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import type { InferencePlan } from "./plan.js";
import { runInference, type InferenceInput } from "./run-inference.js";
import { startInference, type Started } from "./start-inference.js";
import { minTrustHeader } from "../http/min-trust-header.js";
import { withPrefixRouting } from "../prefix/prefix-routing.js";
import { assertModelId } from "../routing-prefs/model-id.js";
import { parseRoutingPreferences } from "../routing-prefs/parse-preferences.js";
import {
  ledgerPrices,
  routeWithPreferences,
  type ModelAttempt,
} from "../routing-prefs/route-with-preferences.js";

export interface Dispatched extends Started {
  /** The model that serves the request (a `models` fallback when the first had no capacity). */
  model: string;
}

/**
 * Routes a compat-mode plan and starts it (start-inference.ts: hold, then reserve and relay in
 * run-inference.ts); resolves once a provider has accepted it. The body's `provider` / `models`
 * routing preferences are honoured here, for every API shape. `onWaiting` is called every
 * keep-alive interval while the reservation waits (a stream sends its headers and
 * `: keep-alive` comments from it).
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
): Promise<Started> {
  const prefix = withPrefixRouting(ctx.options.prefixHashSecret, req.principal.accountId, {
    ...plan.body,
    model: attempt.model,
  });
  const input: InferenceInput = {
    requestId: attempt.requestId,
    claim: req.claim,
    generationId: req.generationId,
    accountId: req.principal.accountId,
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
    log: ctx.log,
  };
  const order = {
    requestId: input.requestId,
    accountId: input.accountId,
    keyId: req.principal.keyId,
    ...(req.principal.limited === undefined ? {} : { keyLimited: req.principal.limited }),
    model: input.body.model,
    maxPromptTokens: input.estimatedPromptTokens,
    maxCompletionTokens: input.maxTokens,
    claim: input.claim,
    generationId: input.generationId,
  };
  return startInference(ctx, req, order, () => runInference(ctx.routing, input), onWaiting);
}
