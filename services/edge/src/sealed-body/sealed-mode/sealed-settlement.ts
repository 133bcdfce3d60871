import { Code, ConnectError } from "@connectrpc/connect";
import type { EdgeContext } from "../../edge-context.js";
import { EdgeError } from "../../errors/edge-error.js";
import { toEdgeError } from "../../errors/from-connect.js";
import type { SealedReservation } from "./sealed-reservations.js";

export interface SealedSettlement {
  providerId: string;
  /** Completion tokens relayed so far (cleartext chunk metadata). */
  delivered: number;
  /** Settles once; later calls do nothing. Never throws (a failure is logged, the hold swept). */
  settle(promptTokens: number, completionTokens: number): Promise<void>;
}

/**
 * Holds the worst-case price — `max_tokens` from the reservation and, for the prompt, the bound
 * the coordinator computed from the sealed body's size (the client's estimate is only a routing
 * hint) — and settles prompt tokens no higher than that bound; 402 when the balance is short.
 */
export async function sealedSettlement(
  ctx: EdgeContext,
  r: SealedReservation,
  promptTokenBound: number,
): Promise<SealedSettlement> {
  await ctx.ledger
    .hold({
      requestId: r.requestId,
      accountId: r.accountId,
      model: r.model,
      maxPromptTokens: promptTokenBound,
      maxCompletionTokens: r.maxTokens,
      ...r.claim,
    })
    .catch((err: unknown) => {
      if (ConnectError.from(err).code === Code.FailedPrecondition)
        throw new EdgeError(
          402,
          "insufficient_quota",
          "insufficient_balance",
          "Your balance cannot cover this request's maximum cost. Add credit or lower max_tokens.",
        );
      throw toEdgeError(err);
    });
  let settled = false;
  const state: SealedSettlement = {
    providerId: "",
    delivered: 0,
    async settle(promptTokens, completionTokens) {
      if (settled) return;
      settled = true;
      try {
        await ctx.ledger.settle({
          requestId: r.requestId,
          providerAccountId: state.providerId,
          usage: { promptTokens: Math.min(promptTokens, promptTokenBound), completionTokens },
        });
      } catch (err) {
        ctx.log.error("settlement failed; the hold stays until it is swept", {
          requestId: r.requestId,
          error: String(err),
        });
      }
    },
  };
  return state;
}
