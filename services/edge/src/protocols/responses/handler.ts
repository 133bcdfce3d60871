import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { sendJson } from "../../http/respond.js";
import { dispatch, servedHeaders } from "../../core/dispatch.js";
import { collectOutput } from "../../core/collect-output.js";
import { streamInference } from "../../core/stream-inference.js";
import { completedResponse } from "./response.js";
import { ResponseStreamTranslator } from "./stream.js";
import { parseResponseRequest, responsePlan } from "./request.js";

/** POST /v1/responses */
export async function createResponse(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const body = parseResponseRequest(req.json);
  const plan = responsePlan(body, ctx.options.defaultMaxTokens, req.principal.accountId);
  const metaFor = (model: string) => ({
    id: req.generationId,
    createdUnix: req.createdUnix,
    model,
  });
  if (body.stream) {
    await streamInference(ctx, req, plan, (m) => new ResponseStreamTranslator(metaFor(m), body));
    return;
  }
  const { served, events, model } = await dispatch(ctx, req, plan);
  const output = await collectOutput(events);
  sendJson(req.res, 200, completedResponse(metaFor(model), body, output), {
    ...servedHeaders(output.servedBy ?? served, req.requestId),
    "x-timing": req.timing.header(),
  });
}
