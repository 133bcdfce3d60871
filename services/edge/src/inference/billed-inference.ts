import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { LedgerService, RoutingService } from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import { EdgeError } from "../errors/edge-error.js";
import { toEdgeError } from "../errors/from-connect.js";
import {
  MidStreamError,
  runInference,
  type InferenceEvent,
  type InferenceInput,
} from "./run-inference.js";

export interface BillingDeps {
  routing: Client<typeof RoutingService>;
  ledger: Client<typeof LedgerService>;
  log: Logger;
}

/**
 * Inference with money around it: hold the worst-case price before anything is dispatched
 * (402 when the balance cannot cover it), settle the real usage on completion, and on any failure
 * settle only the completion tokens that reached the consumer (possibly none, releasing the hold)
 * plus the prompt the provider reported processing. Prompt figures are bounded by the estimate the
 * hold rests on (the coordinator's own byte count); completion figures are the relay's count.
 */
export async function* billedInference(
  deps: BillingDeps,
  input: InferenceInput,
): AsyncGenerator<InferenceEvent> {
  await deps.ledger
    .hold({
      requestId: input.requestId,
      accountId: input.accountId,
      model: input.body.model,
      maxPromptTokens: input.estimatedPromptTokens,
      maxCompletionTokens: input.maxTokens,
      ...input.claim,
    })
    .catch((err: unknown) => {
      const ce = ConnectError.from(err);
      if (ce.code === Code.FailedPrecondition) {
        throw new EdgeError(
          402,
          "insufficient_quota",
          "insufficient_balance",
          "Your balance cannot cover this request's maximum cost. Add credit or lower max_tokens.",
        );
      }
      throw toEdgeError(err);
    });

  // Earnings go to the operator account of a provider logged in with a device-code token, else
  // to the provider itself (tokenless providers, local mode only).
  let providerAccountId = "";
  let delivered = 0;
  let promptTokens = 0;
  const boundedPrompt = (reported: number): number =>
    Math.min(reported, input.estimatedPromptTokens);
  let settled = false;
  const settle = async (completionTokens: number): Promise<bigint | undefined> => {
    settled = true;
    try {
      const settledRes = await deps.ledger.settle({
        requestId: input.requestId,
        providerAccountId,
        usage: { promptTokens, completionTokens },
        generationId: input.generationId ?? "",
      });
      return settledRes.chargedMicroUsd;
    } catch (err) {
      deps.log.error("settlement failed; the hold stays until it is swept", {
        requestId: input.requestId,
        error: String(err),
      });
      return undefined;
    }
  };

  try {
    for await (const ev of runInference(deps.routing, input)) {
      if (ev.type === "started") providerAccountId = ev.providerAccountId || ev.providerId;
      else if (ev.type === "delta") {
        delivered += ev.tokens;
        if (ev.promptTokens > 0) {
          promptTokens = boundedPrompt(ev.promptTokens);
          yield { ...ev, promptTokens };
          continue;
        }
      } else if (ev.type === "done") {
        promptTokens = boundedPrompt(ev.promptTokens);
        yield { ...ev, promptTokens, costMicroUsd: await settle(ev.completionTokens) };
        continue;
      }
      yield ev;
    }
  } catch (err) {
    if (!settled) await settle(err instanceof MidStreamError ? err.deliveredTokens : 0);
    throw err;
  } finally {
    // The consumer went away (generator closed early): charge the prompt the provider reported
    // processing and only the completion tokens the consumer was sent.
    if (!settled) await settle(delivered);
  }
}
