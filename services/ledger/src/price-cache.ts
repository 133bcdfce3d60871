import { listenChannel, type DatabasePool, type Listener } from "@darkbloom/db";
import type { Price } from "./money.js";
import { findPrice } from "./store.js";

const MAX_MODELS = 10_000;

/** setPrice notifies this channel with the model (`*`: the default, i.e. every model). */
export const PRICE_CHANNEL = "darkbloom_prices";

/**
 * Model prices read from Postgres at most once per `ttlMs` per model (a lease-backed hold must
 * not wait on a database round trip). With `watch`, a price set through any replica drops the
 * cached entry on every replica as soon as the change commits (LISTEN on {@link PRICE_CHANNEL});
 * while that connection is down nothing is served from the cache. A hold keeps the price it was
 * placed at, so a settlement never mixes prices.
 */
export class PriceCache {
  private readonly prices = new Map<string, { price: Promise<Price>; until: number }>();
  private listener: Listener | undefined;
  /** Without a watch the TTL alone bounds staleness; with one, only while it listens. */
  private usable = true;

  constructor(
    private readonly pool: DatabasePool,
    private readonly ttlMs: number,
  ) {}

  /** Follows price changes made by any replica (LISTEN on the database's own URL). */
  async watch(databaseUrl: string): Promise<void> {
    this.usable = false;
    this.listener = await listenChannel(databaseUrl, PRICE_CHANNEL, {
      onNotify: (model) => {
        if (model === "*") this.prices.clear();
        else this.prices.delete(model);
      },
      onLost: () => {
        this.usable = false;
        this.prices.clear();
      },
      onListening: () => {
        this.prices.clear();
        this.usable = true;
      },
    });
  }

  async close(): Promise<void> {
    await this.listener?.close();
  }

  get(model: string): Promise<Price> {
    const now = Date.now();
    const cached = this.prices.get(model);
    if (this.usable && cached !== undefined && cached.until > now) return cached.price;
    const price = findPrice(this.pool, model).then(
      ({ inputMicroUsdPerMillion, outputMicroUsdPerMillion }) => ({
        inputMicroUsdPerMillion,
        outputMicroUsdPerMillion,
      }),
    );
    if (!this.usable) return price;
    if (this.prices.size >= MAX_MODELS) this.prices.clear();
    this.prices.set(model, { price, until: now + this.ttlMs });
    // A failed read is not cached.
    price.catch(() => {
      if (this.prices.get(model)?.price === price) this.prices.delete(model);
    });
    return price;
  }
}
