import type { DatabasePool } from "@darkbloom/db";
import type { Price } from "./money.js";
import { findPrice } from "./store.js";

const MAX_MODELS = 10_000;

/**
 * Model prices read from Postgres at most once per `ttlMs` per model (a lease-backed hold must
 * not wait on a database round trip): a price change reaches holds placed through this cache
 * within `ttlMs`. A hold keeps the price it was placed at, so a settlement never mixes prices.
 */
export class PriceCache {
  private readonly prices = new Map<string, { price: Promise<Price>; until: number }>();

  constructor(
    private readonly pool: DatabasePool,
    private readonly ttlMs: number,
  ) {}

  get(model: string): Promise<Price> {
    const now = Date.now();
    const cached = this.prices.get(model);
    if (cached !== undefined && cached.until > now) return cached.price;
    const price = findPrice(this.pool, model).then(
      ({ inputMicroUsdPerMillion, outputMicroUsdPerMillion }) => ({
        inputMicroUsdPerMillion,
        outputMicroUsdPerMillion,
      }),
    );
    if (this.prices.size >= MAX_MODELS) this.prices.clear();
    this.prices.set(model, { price, until: now + this.ttlMs });
    // A failed read is not cached.
    price.catch(() => {
      if (this.prices.get(model)?.price === price) this.prices.delete(model);
    });
    return price;
  }
}
