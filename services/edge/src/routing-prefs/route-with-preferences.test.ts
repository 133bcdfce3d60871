import { TrustLevel } from "@darkbloom/proto";
import { expect } from "chai";
import { EdgeError } from "../errors/edge-error.js";
import { DEFAULT_PREFERENCES, type RoutingPreferences } from "./parse-preferences.js";
import {
  routeWithPreferences,
  type ModelAttempt,
  type PriceLookup,
} from "./route-with-preferences.js";

const PRICES: Record<string, bigint> = { cheap: 100_000n, dear: 9_000_000n, full: 200_000n };
const prices: PriceLookup = (model) =>
  Promise.resolve(
    PRICES[model] === undefined
      ? undefined
      : { inputMicroUsdPerMillion: PRICES[model], outputMicroUsdPerMillion: PRICES[model] },
  );

const noCapacity = () => new EdgeError(503, "server_error", "no_capacity", "busy");
const notServed = () => new EdgeError(404, "invalid_request_error", "model_not_found", "none");

/** A fleet where `full` has no capacity and `gone` has no provider; others serve. */
async function serve(a: ModelAttempt): Promise<{ servedBy: string; requestId: string }> {
  if (a.model === "full") throw noCapacity();
  if (a.model === "gone") throw notServed();
  if (a.model === "broken")
    throw new EdgeError(402, "insufficient_quota", "insufficient_balance", "x");
  return Promise.resolve({ servedBy: a.model, requestId: a.requestId });
}

const prefs = (p: Partial<RoutingPreferences>): RoutingPreferences => ({
  ...DEFAULT_PREFERENCES,
  ...p,
});

describe("routeWithPreferences", () => {
  it("serves the requested model when it has capacity, under the original request id", async () => {
    const r = await routeWithPreferences(
      prices,
      "req1",
      "cheap",
      prefs({ fallbackModels: ["dear"] }),
      serve,
    );
    expect(r).to.deep.equal({ servedBy: "cheap", requestId: "req1", model: "cheap" });
  });

  it("falls back along `models` when a model has no capacity or no provider, and reports the model used", async () => {
    const r = await routeWithPreferences(
      prices,
      "req1",
      "full",
      prefs({ fallbackModels: ["gone", "cheap"] }),
      serve,
    );
    expect(r.model).to.equal("cheap");
    expect(r.requestId).to.equal("req1-fb2");
  });

  it("sort=price tries the cheapest of the requested model and its fallbacks first", async () => {
    const tried: string[] = [];
    const r = await routeWithPreferences(
      prices,
      "req1",
      "dear",
      prefs({ sort: "price", fallbackModels: ["unpriced", "full", "cheap"] }),
      (a) => {
        tried.push(a.model);
        return serve(a);
      },
    );
    expect(r.model).to.equal("cheap");
    expect(tried).to.deep.equal(["cheap"]);
    const order: string[] = [];
    await routeWithPreferences(
      prices,
      "req2",
      "dear",
      prefs({ sort: "price", fallbackModels: ["unpriced", "full"] }),
      (a) => {
        order.push(a.model);
        return a.model === "dear" ? serve(a) : Promise.reject(noCapacity());
      },
    );
    expect(order).to.deep.equal(["full", "dear"]);
  });

  it("without sort=price the requested model goes first even when a fallback is cheaper", async () => {
    const r = await routeWithPreferences(
      prices,
      "req1",
      "dear",
      prefs({ fallbackModels: ["cheap"] }),
      serve,
    );
    expect(r.model).to.equal("dear");
  });

  it("does not fall back when allow_fallbacks is false", async () => {
    const err = await routeWithPreferences(
      prices,
      "r",
      "full",
      prefs({ fallbackModels: ["cheap"], allowFallbacks: false }),
      serve,
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EdgeError).with.property("code", "no_capacity");
  });

  it("does not fall back on failures other than capacity (e.g. 402)", async () => {
    const err = await routeWithPreferences(
      prices,
      "r",
      "broken",
      prefs({ fallbackModels: ["cheap"] }),
      serve,
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EdgeError).with.property("status", 402);
  });

  it("skips models priced over max_price, and refuses with 404 naming provider.max_price when none is left", async () => {
    const limit = { promptMicroUsd: 1_000_000n, completionMicroUsd: undefined };
    const r = await routeWithPreferences(
      prices,
      "r",
      "dear",
      prefs({ maxPrice: limit, fallbackModels: ["cheap"] }),
      serve,
    );
    expect(r.model).to.equal("cheap");
    const err = await routeWithPreferences(
      prices,
      "r",
      "dear",
      prefs({ maxPrice: limit, minTrust: TrustLevel.NONE }),
      serve,
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EdgeError).with.property("param", "provider.max_price");
  });
});
