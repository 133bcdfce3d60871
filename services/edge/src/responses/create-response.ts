import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import { sendJson } from "../http/respond.js";
import { dispatch, servedHeaders } from "../openai/chat-dispatch.js";
import { collectOutput } from "../openai/chat-output.js";
import { pumpStream } from "../sse/pump-stream.js";
import { completedResponse } from "./response-object.js";
import { ResponseStreamTranslator } from "./response-stream.js";
import { parseResponseRequest, responsePlan } from "./responses-request.js";

/** POST /v1/responses */
export async function createResponse(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const body = parseResponseRequest(req.json);
  const plan = responsePlan(body, ctx.options.defaultMaxTokens, req.principal.accountId);
  const { served, events, model } = await dispatch(ctx, req, plan);
  const meta = { id: req.generationId, createdUnix: req.createdUnix, model };
  const headers = servedHeaders(served, req.requestId);
  if (body.stream) {
    await pumpStream(req, headers, new ResponseStreamTranslator(meta, body), events);
  } else {
    const output = await collectOutput(events);
    sendJson(req.res, 200, completedResponse(meta, body, output), {
      ...servedHeaders(output.servedBy ?? served, req.requestId),
      "x-timing": req.timing.header(),
    });
  }
}
