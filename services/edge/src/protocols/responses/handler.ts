import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { serveInference } from "../../core/serve-inference.js";
import { parseResponseRequest, responsePlan } from "./request.js";
import { completedResponse } from "./response.js";
import { ResponseStreamTranslator } from "./stream.js";

/** POST /v1/responses */
export async function createResponse(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const body = parseResponseRequest(req.json);
  const plan = responsePlan(body, ctx.options.defaultMaxTokens, req.principal.accountId);
  await serveInference(ctx, req, plan, {
    stream: (meta) => new ResponseStreamTranslator(meta, body),
    response: (meta, output) => completedResponse(meta, body, output),
  });
}
