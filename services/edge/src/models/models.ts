import { Code, ConnectError } from "@connectrpc/connect";
import type { GetPriceResponse, ModelCapacity } from "@darkbloom/proto";
import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import { toEdgeError } from "../errors/from-connect.js";
import { sendJson } from "../http/respond.js";
import { catalogById } from "./model-catalog.js";

/** USD per token as a decimal string (OpenRouter's `pricing` convention). */
const perToken = (microUsdPerMillion: bigint): string =>
  (Number(microUsdPerMillion) / 1e12).toFixed(14).replace(/0+$/, "").replace(/\.$/, "");

async function priceOf(ctx: EdgeContext, model: string): Promise<GetPriceResponse | undefined> {
  try {
    return await ctx.ledger.getPrice({ model });
  } catch (err) {
    if (ConnectError.from(err).code === Code.NotFound) return undefined;
    throw toEdgeError(err);
  }
}

interface ListedModel {
  id: string;
  name: string;
  description: string;
  published: boolean;
  contextLength: number;
  quantization: string;
  providers: number;
}

async function listEntry(ctx: EdgeContext, m: ListedModel) {
  const price = await priceOf(ctx, m.id);
  return {
    id: m.id,
    object: "model" as const,
    created: 0,
    owned_by: "darkbloom",
    name: m.name,
    description: m.description,
    published: m.published,
    context_length: m.contextLength,
    quantization: m.quantization,
    providers: m.providers,
    available: m.providers > 0,
    pricing: price
      ? {
          prompt: perToken(price.inputMicroUsdPerMillion),
          completion: perToken(price.outputMicroUsdPerMillion),
          prompt_micro_usd_per_million: Number(price.inputMicroUsdPerMillion),
          completion_micro_usd_per_million: Number(price.outputMicroUsdPerMillion),
        }
      : null,
  };
}

/**
 * GET /v1/models: OpenAI's list shape plus pricing and live availability: every model a provider
 * serves now, then every model published in the registry that nobody serves at the moment
 * (`available: false`, `providers: 0`). Display name, description and context length come from
 * the registry when the model is published there (otherwise from what the providers report).
 */
export async function listModels(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const [{ models }, catalog] = await Promise.all([
    ctx.routing.listModels({}),
    catalogById(ctx.catalog, req.log),
  ]);
  const served: ListedModel[] = models.map((m) => {
    const published = catalog.get(m.id);
    return {
      id: m.id,
      name: published?.displayName || m.id,
      description: published?.description ?? "",
      published: published !== undefined,
      contextLength: published?.contextLength || m.contextLength,
      quantization: m.quantization,
      providers: m.providers,
    };
  });
  const servedIds = new Set(served.map((m) => m.id));
  const unserved: ListedModel[] = [...catalog.values()]
    .filter((m) => !servedIds.has(m.id))
    .map((m) => ({
      id: m.id,
      name: m.displayName || m.id,
      description: m.description,
      published: true,
      contextLength: m.contextLength,
      quantization: m.quantization,
      providers: 0,
    }));
  const data = await Promise.all([...served, ...unserved].map((m) => listEntry(ctx, m)));
  sendJson(req.res, 200, { object: "list", data }, { "x-request-id": req.requestId });
}

/** Per model capacity: from RoutingService.GetModelCapacity, or derived from the live fleet. */
async function capacities(ctx: EdgeContext): Promise<ModelCapacity[] | undefined> {
  try {
    return (await ctx.routing.getModelCapacity({})).models;
  } catch (err) {
    if (ConnectError.from(err).code === Code.Unimplemented) return undefined;
    throw toEdgeError(err);
  }
}

/** GET /v1/models/capacity: providers, warm slots, queue depth and estimated wait per model. */
export async function modelCapacity(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const fromRouting = await capacities(ctx);
  let data;
  if (fromRouting) {
    data = fromRouting.map((m) => ({
      id: m.model,
      object: "model.capacity" as const,
      providers: m.providers,
      warm_slots: m.warmSlots,
      running: m.running,
      waiting: m.waiting,
      queue_depth: m.queueDepth,
      estimated_wait_ms: m.estimatedWaitMs,
    }));
  } else {
    const [{ models }, { providers }] = await Promise.all([
      ctx.routing.listModels({}),
      ctx.routing.listProviders({}),
    ]);
    data = models.map((m) => {
      const serving = providers.filter((p) => p.modelIds.includes(m.id));
      return {
        id: m.id,
        object: "model.capacity" as const,
        providers: m.providers,
        warm_slots: m.providers,
        running: serving.reduce((n, p) => n + p.inFlight, 0),
        waiting: 0,
        queue_depth: 0,
        estimated_wait_ms: 0,
      };
    });
  }
  sendJson(req.res, 200, { object: "list", data }, { "x-request-id": req.requestId });
}
