import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import { sendJson } from "../http/respond.js";

/** GET /v1/models: the models at least one connected provider serves right now. */
export async function listModels(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const { models } = await ctx.routing.listModels({});
  sendJson(
    req.res,
    200,
    {
      object: "list",
      data: models.map((m) => ({
        id: m.id,
        object: "model",
        created: 0,
        owned_by: "darkbloom",
        context_length: m.contextLength,
        quantization: m.quantization,
        providers: m.providers,
      })),
    },
    { "x-request-id": req.requestId },
  );
}
