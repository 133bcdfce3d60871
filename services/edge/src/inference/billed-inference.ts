import type { Client } from "@connectrpc/connect";
import type { RoutingService } from "@darkbloom/proto";
import { hold, type MoneyDeps } from "./request-money.js";
import {
  MidStreamError,
  runInference,
  type InferenceEvent,
  type InferenceInput,
} from "./run-inference.js";

export interface BillingDeps extends MoneyDeps {
  routing: Client<typeof RoutingService>;
}

/**
 * Compat-mode inference inside the money sequence (request-money.ts): hold and reserve the key's
 * worst case before anything is dispatched, settle the provider's usage on completion, and on any
 * failure (or the consumer going away) settle only the completion tokens that reached the
 * consumer plus the prompt the provider reported processing. Prompt figures are bounded by the
 * estimate the hold rests on; completion figures are the relay's count.
 */
export async function* billedInference(
  deps: BillingDeps,
  input: InferenceInput & { keyId: string; keyLimited?: boolean },
): AsyncGenerator<InferenceEvent> {
  const money = await hold(deps, {
    requestId: input.requestId,
    accountId: input.accountId,
    keyId: input.keyId,
    ...(input.keyLimited === undefined ? {} : { keyLimited: input.keyLimited }),
    model: input.body.model,
    maxPromptTokens: input.estimatedPromptTokens,
    maxCompletionTokens: input.maxTokens,
    ...(input.claim ? { claim: input.claim } : {}),
  });
  money.generationId = input.generationId ?? "";
  try {
    for await (const ev of runInference(deps.routing, input)) {
      if (ev.type === "started") {
        // Earnings go to the operator account of a provider logged in with a device-code
        // token, else to the provider itself (tokenless providers, local mode only).
        money.providerAccountId = ev.providerAccountId || ev.providerId;
      } else if (ev.type === "delta") {
        money.delivered += ev.tokens;
        if (ev.promptTokens > 0) {
          yield { ...ev, promptTokens: money.reportPrompt(ev.promptTokens) };
          continue;
        }
      } else if (ev.type === "done") {
        const promptTokens = money.reportPrompt(ev.promptTokens);
        const costMicroUsd = await money.settle({
          promptTokens,
          completionTokens: ev.completionTokens,
        });
        yield { ...ev, promptTokens, costMicroUsd };
        continue;
      }
      yield ev;
    }
  } catch (err) {
    if (err instanceof MidStreamError) money.delivered = err.deliveredTokens;
    throw err;
  } finally {
    // Failed, or the consumer went away (generator closed early): only what was delivered.
    await money.settleDelivered();
  }
}
