// GET /v1/pricing (public) and PUT /v1/admin/prices/{model} (admin; model "*" is the default).
import { listPrices, setPrice } from "@darkbloom/ledger";
import { z } from "zod";
import { sendJson } from "../http/respond.js";
import type { AccountRequest } from "./account-deps.js";
import { n, parseBody } from "./json-body.js";
import { microUsd } from "../http/input-limits.js";

const priceSchema = z.object({
  input_micro_usd_per_million: microUsd(),
  output_micro_usd_per_million: microUsd(),
});

export async function getPricing(ctx: AccountRequest): Promise<void> {
  const prices = await listPrices(ctx.deps.pool);
  sendJson(ctx.res, 200, {
    object: "list",
    currency: "usd",
    unit: "micro_usd_per_million_tokens",
    data: prices.map((price) => ({
      model: price.model,
      input_micro_usd_per_million: n(price.inputMicroUsdPerMillion),
      output_micro_usd_per_million: n(price.outputMicroUsdPerMillion),
      updated: Math.floor(price.updatedAtMs / 1000),
    })),
  });
}

export async function putPrice(ctx: AccountRequest): Promise<void> {
  const model = ctx.params[0] ?? "";
  const body = parseBody(priceSchema, ctx.body);
  await setPrice(ctx.deps.pool, model, {
    inputMicroUsdPerMillion: BigInt(body.input_micro_usd_per_million),
    outputMicroUsdPerMillion: BigInt(body.output_micro_usd_per_million),
  });
  sendJson(ctx.res, 200, { object: "price", model, ...body });
}
