// Runs one inference attempt per candidate model, in order: the requested model, then the
// `models` fallbacks (unless `provider.allow_fallbacks` is false), skipping models over
// `provider.max_price`. The next model is tried only when one has no capacity or no provider;
// any other failure is the answer.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { LedgerService } from "@darkbloom/proto";
import { EdgeError } from "../errors/edge-error.js";
import { toEdgeError } from "../errors/from-connect.js";
import type { RoutingPreferences } from "./parse-preferences.js";

export interface ModelAttempt {
  model: string;
  /** The coordinator's id for this attempt (holds and settlement are idempotent on it). */
  requestId: string;
}

const NO_CAPACITY_CODES: ReadonlySet<string | null> = new Set([
  "model_not_found",
  "no_capacity",
  "rate_limited",
  "queue_full",
]);

/** Whether a failure before the first token means "try the next model". */
export function isNoCapacity(err: unknown): boolean {
  return (
    err instanceof EdgeError &&
    (err.status === 404 || err.status === 429 || err.status === 503) &&
    NO_CAPACITY_CODES.has(err.code)
  );
}

export function candidateModels(requested: string, prefs: RoutingPreferences): string[] {
  const all = [requested, ...(prefs.allowFallbacks ? prefs.fallbackModels : [])];
  return [...new Set(all)];
}

/** A model's price per million tokens in micro-USD; undefined when it has none. */
export type PriceLookup = (
  model: string,
) => Promise<{ inputMicroUsdPerMillion: bigint; outputMicroUsdPerMillion: bigint } | undefined>;

async function withinMaxPrice(
  priceOf: PriceLookup,
  model: string,
  prefs: RoutingPreferences,
): Promise<boolean> {
  const { promptMicroUsd, completionMicroUsd } = prefs.maxPrice;
  if (promptMicroUsd === undefined && completionMicroUsd === undefined) return true;
  const price = await priceOf(model);
  if (!price) return false; // unpriced models cannot be shown to be under the limit
  return (
    (promptMicroUsd === undefined || price.inputMicroUsdPerMillion <= promptMicroUsd) &&
    (completionMicroUsd === undefined || price.outputMicroUsdPerMillion <= completionMicroUsd)
  );
}

export async function routeWithPreferences<T>(
  priceOf: PriceLookup,
  requestId: string,
  requested: string,
  prefs: RoutingPreferences,
  attempt: (a: ModelAttempt) => Promise<T>,
): Promise<T & { model: string }> {
  let models: string[] = [];
  for (const m of candidateModels(requested, prefs))
    if (await withinMaxPrice(priceOf, m, prefs)) models.push(m);
  if (prefs.sort === "price") models = await cheapestFirst(priceOf, models);
  if (models.length === 0) {
    throw new EdgeError(
      404,
      "invalid_request_error",
      "no_model_within_max_price",
      "No requested model is priced within provider.max_price",
      "provider.max_price",
    );
  }
  let lastError: unknown;
  for (const [i, model] of models.entries()) {
    try {
      const result = await attempt({
        model,
        requestId: i === 0 ? requestId : `${requestId}-fb${i}`,
      });
      return { ...result, model };
    } catch (err) {
      if (!isNoCapacity(err)) throw err;
      lastError = err;
    }
  }
  throw lastError;
}

/**
 * `provider.sort: "price"`: the candidate models (requested + fallbacks) by prompt + completion
 * price per million tokens, cheapest first; equal prices and unpriced models (last) keep their
 * order. Providers of one model all charge the model's price, so within a model price cannot
 * order them.
 */
async function cheapestFirst(priceOf: PriceLookup, models: string[]): Promise<string[]> {
  const priced = await Promise.all(
    models.map(async (model) => {
      const p = await priceOf(model);
      return {
        model,
        total: p ? p.inputMicroUsdPerMillion + p.outputMicroUsdPerMillion : undefined,
      };
    }),
  );
  return priced
    .sort((a, b) => {
      if (a.total === undefined || b.total === undefined)
        return (a.total === undefined ? 1 : 0) - (b.total === undefined ? 1 : 0);
      return a.total < b.total ? -1 : a.total > b.total ? 1 : 0;
    })
    .map((p) => p.model);
}

/** Prices from the ledger; a model without a price (NotFound) has none. */
export function ledgerPrices(ledger: Client<typeof LedgerService>): PriceLookup {
  return async (model) => {
    try {
      return await ledger.getPrice({ model });
    } catch (err) {
      if (ConnectError.from(err).code === Code.NotFound) return undefined;
      throw toEdgeError(err);
    }
  };
}
