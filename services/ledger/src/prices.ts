import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
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

export type ModelPrice = Price & { readonly model: string; readonly updatedAtMs: number };

const priceListRow = z.object({
  model: z.string(),
  input_micro_usd_per_million: z.bigint(),
  output_micro_usd_per_million: z.bigint(),
  updated_at: z.number(),
});

/** Every priced model; `'*'` is the default for the others. */
export async function listPrices(connection: DbConnection): Promise<ModelPrice[]> {
  const rows = await connection.any(sql.type(priceListRow)`
    SELECT model, input_micro_usd_per_million, output_micro_usd_per_million, updated_at
    FROM model_prices ORDER BY model`);
  return rows.map((row) => ({
    model: row.model,
    inputMicroUsdPerMillion: row.input_micro_usd_per_million,
    outputMicroUsdPerMillion: row.output_micro_usd_per_million,
    updatedAtMs: row.updated_at,
  }));
}
