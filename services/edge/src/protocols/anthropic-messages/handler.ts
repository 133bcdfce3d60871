import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { sendJson } from "../../http/respond.js";
import { dispatch, servedHeaders } from "../../core/dispatch.js";
import { collectOutput } from "../../core/collect-output.js";
import { streamInference } from "../../core/stream-inference.js";
import { anthropicMessage } from "./response.js";
import { MessageStreamTranslator } from "./stream.js";
import { messagesPlan, parseMessagesRequest } from "./request.js";

/** POST /v1/messages (Anthropic Messages API). */
export async function createMessage(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const body = parseMessagesRequest(req.json);
  const plan = messagesPlan(body, req.principal.accountId);
  const metaFor = (model: string) => ({
    id: req.generationId,
    createdUnix: req.createdUnix,
    model,
  });
  if (body.stream) {
    await streamInference(ctx, req, plan, (m) => new MessageStreamTranslator(metaFor(m)));
    return;
  }
  const { served, events, model } = await dispatch(ctx, req, plan);
  const output = await collectOutput(events);
  sendJson(req.res, 200, anthropicMessage(metaFor(model), output), {
    ...servedHeaders(output.servedBy ?? served, req.requestId),
    "x-timing": req.timing.header(),
  });
}
