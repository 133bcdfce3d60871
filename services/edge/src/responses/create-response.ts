import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import { sendJson } from "../http/respond.js";
import { dispatch, servedHeaders } from "../openai/chat-dispatch.js";
import { collectOutput } from "../openai/chat-output.js";
import { streamInference } from "../sse/stream-inference.js";
import { completedResponse } from "./response-object.js";
import { ResponseStreamTranslator } from "./response-stream.js";
import { parseResponseRequest, responsePlan } from "./responses-request.js";

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
