import { hold, type MoneyDeps, type MoneyOrder } from "./request-money.js";
import { MidStreamError, type InferenceEvent } from "./inference-events.js";

/**
 * Any inference inside the money sequence (request-money.ts): hold and reserve the key's worst
 * case before anything is dispatched, then run `relay` (compat: run-inference.ts; sealed mode:
 * relay-sealed.ts), settle the provider's usage on completion, and on any failure (or the
 * consumer going away) settle only the completion tokens that reached the consumer plus the
 * prompt the provider reported processing. Prompt figures are bounded by the estimate the hold
 * rests on; completion figures are the relay's count.
 */
export async function* billedInference(
  deps: MoneyDeps,
  order: MoneyOrder & { generationId?: string },
  relay: () => AsyncIterable<InferenceEvent>,
): AsyncGenerator<InferenceEvent> {
  const { generationId, ...moneyOrder } = order;
  const money = await hold(deps, moneyOrder);
  money.generationId = generationId ?? "";
  try {
    for await (const ev of relay()) {
      if (ev.type === "started") {
        // Earnings go to the operator account of a provider logged in with a device-code
        // token, else to the provider itself (tokenless providers, local mode only).
        money.providerAccountId = ev.providerAccountId || ev.providerId;
        money.machineId = ev.providerId;
      } else if (ev.type === "delta") {
        money.delivered += ev.tokens;
        if (ev.promptTokens > 0) {
          yield { ...ev, promptTokens: money.reportPrompt(ev.promptTokens) };
          continue;
        }
      } else if (ev.type === "deltas") {
        let prompt = false;
        for (const d of ev.deltas) {
          money.delivered += d.tokens;
          if (d.promptTokens > 0) prompt = true;
        }
        if (prompt) {
          yield {
            type: "deltas",
            deltas: ev.deltas.map((d) =>
              d.promptTokens > 0 ? { ...d, promptTokens: money.reportPrompt(d.promptTokens) } : d,
            ),
          };
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
