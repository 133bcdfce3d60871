import type { DbConnection } from "@darkbloom/db";
import { invalidArgument } from "./ledger-errors.js";
import type { Price } from "./money.js";
import { findPrice, upsertPrice } from "./store.js";

/** The model's price per million tokens (the default row `'*'` when it has none). */
export async function getPrice(connection: DbConnection, model: string): Promise<Price> {
  const { inputMicroUsdPerMillion, outputMicroUsdPerMillion } = await findPrice(connection, model);
  return { inputMicroUsdPerMillion, outputMicroUsdPerMillion };
}

/** Admin: sets a model's price; model `'*'` is the default. Holds already placed keep their price. */
export async function setPrice(
  connection: DbConnection,
  model: string,
  price: Price,
): Promise<void> {
  if (model.length === 0 || model.length > 200) {
    throw invalidArgument("model must be 1 to 200 characters");
  }
  if (price.inputMicroUsdPerMillion < 0n || price.outputMicroUsdPerMillion < 0n) {
    throw invalidArgument("prices must not be negative");
  }
  await upsertPrice(connection, model, price);
}
